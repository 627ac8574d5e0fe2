-- raw_items_past_retention: the raw payloads a purge deletes, into the temp table `doomed_raw`: those of purged
-- posts (temp table `purged`), and those fetched before $raw_cutoff that harvest no longer reads: not of a
-- conversation found but not read yet (a watermark "conversation …" names its [platform, id]) and not of a post
-- created since $revisit (its conversation is read again). Parameters: $raw_cutoff, $revisit.
CREATE OR REPLACE TEMP TABLE doomed_raw AS
WITH needed AS (
    SELECT json_extract_string(value, '$[0]') AS platform, json_extract_string(value, '$[1]') AS id
    FROM watermarks
    WHERE starts_with(query, 'conversation ')
    UNION
    SELECT platform, id
    FROM mentions
    WHERE created_at >= $revisit
)

SELECT r.source, r.platform, r.id
FROM raw_items AS r
ANTI JOIN needed AS n USING (platform, id)
WHERE r.fetched_at < $raw_cutoff
UNION
SELECT r.source, r.platform, r.id
FROM raw_items AS r
SEMI JOIN purged AS p USING (platform, id)
