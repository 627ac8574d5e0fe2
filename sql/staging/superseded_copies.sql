-- superseded_copies: where `staged` holds a (platform, id) in more than one good row, only the last of them is the
-- copy to store: `copy` is cleared on the others. A separate step, because most batches hold each key once: the
-- grouping reads two columns, where numbering the rows per key inside stg_mentions would sort every column.
UPDATE staged AS s
SET copy = NULL
FROM (
    SELECT platform, id, max(seq) AS last_seq
    FROM staged
    WHERE copy = 1
    GROUP BY platform, id
    HAVING count(*) > 1
) AS r
WHERE s.platform = r.platform AND s.id = r.id AND s.copy = 1 AND s.seq <> r.last_seq
