-- 003: created_at must lie in the years 2000–2100 (sql/staging/stg_mentions.sql checks it for every source).
-- Mentions stored before that check with a time outside them are moved aside, not deleted: some (year 1, year
-- 9999) cannot even be shown, and status, metrics and reports failed on them.
CREATE TABLE mentions_out_of_range AS
SELECT *
FROM mentions
WHERE created_at < TIMESTAMPTZ '2000-01-01 00:00:00+00' OR created_at >= TIMESTAMPTZ '2101-01-01 00:00:00+00';

DELETE FROM mentions
WHERE created_at < TIMESTAMPTZ '2000-01-01 00:00:00+00' OR created_at >= TIMESTAMPTZ '2101-01-01 00:00:00+00';

-- What enrichment derived for them is derived data: made again should they come back.
DELETE FROM enrichments AS e
USING mentions_out_of_range AS o
WHERE e.platform = o.platform AND e.id = o.id;
