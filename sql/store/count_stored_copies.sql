-- count_stored_copies: how many of the rows `staged` would store have a (platform, id) that is stored already.
-- The join is built on the batch, and DuckDB narrows the scan of `mentions` to the batch's key range.
SELECT count(*) AS stored
FROM staged AS s
SEMI JOIN mentions AS m USING (platform, id)
WHERE s.copy = 1
