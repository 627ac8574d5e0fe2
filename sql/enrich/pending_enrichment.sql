-- pending_enrichment: mentions not enriched yet, or whose text or keyword lists changed since. Parameter: $fingerprint.
SELECT m.platform, m.id, m.text, hash(m.text) AS text_hash
FROM mentions AS m
ANTI JOIN enrichments AS e
    ON e.platform = m.platform AND e.id = m.id
   AND e.text_hash = hash(m.text) AND e.terms_fingerprint = $fingerprint
