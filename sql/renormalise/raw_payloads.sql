-- raw_payloads: one page of a source's raw payloads in key order, those after ($after_platform, $after_id):
-- paging by key keeps memory bounded however many a source has. With $since, only payloads fetched at or
-- after it (NULL: all). Parameters: $source, $since, $after_platform, $after_id, $limit.
SELECT platform, id, payload
FROM raw_items
WHERE source = $source
  AND ($since::TIMESTAMPTZ IS NULL OR fetched_at >= $since)
  AND (platform, id) > ($after_platform, $after_id)
ORDER BY platform, id
LIMIT $limit
