-- 005: an enrichment carries its mention's created_at, so reading a period (sql/marts/mentions_enriched.sql)
-- narrows the enrichments to that period as well, instead of matching the period's mentions against every
-- enrichment stored. Kept equal to the mention's: one whose time no longer matches is enriched again
-- (sql/enrich/pending_enrichment.sql).
ALTER TABLE enrichments ADD COLUMN created_at TIMESTAMPTZ;

UPDATE enrichments AS e
SET created_at = m.created_at
FROM mentions AS m
WHERE e.platform = m.platform AND e.id = m.id;
