-- pending_enrichment: mentions not enriched yet, or whose text or time changed since, or enriched under another
-- fingerprint (keyword lists, enrichment code or vocabulary). Parameter: $fingerprint.
SELECT m.platform, m.id, m.created_at, m.text, m.lang, hash(m.text) AS text_hash
FROM mentions AS m
ANTI JOIN enrichments AS e
    ON e.platform = m.platform AND e.id = m.id AND e.created_at = m.created_at
   AND e.text_hash = hash(m.text) AND e.fingerprint = $fingerprint
