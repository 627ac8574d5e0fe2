-- forget_enrichment_of_changed_language: drop the enrichment of mentions whose language tag in `staged`
-- differs from the stored one. Enrichment is redone when a text changes (its hash), but the language tag it
-- also reads is not part of that hash: dropping the row makes the next enrichment run redo it.
DELETE FROM enrichments AS e
USING staged AS b, mentions AS m
WHERE b.error IS NULL AND b.copy = 1
  AND m.platform = b.platform AND m.id = b.id
  AND e.platform = b.platform AND e.id = b.id
  AND m.lang IS DISTINCT FROM b.lang
