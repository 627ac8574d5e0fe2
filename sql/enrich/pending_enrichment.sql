-- pending_enrichment: mentions with no enrichment yet, or whose text changed since it was enriched.
SELECT m.platform, m.id, m.text, hash(m.text) AS text_hash
FROM mentions AS m
ANTI JOIN enrichments AS e
    ON e.platform = m.platform AND e.id = m.id AND e.text_hash = hash(m.text)
