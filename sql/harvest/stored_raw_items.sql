-- stored_raw_items: the raw payloads a source stored whose conversations are read (again): those named in $ids
-- (left by a run that had to stop) and those of posts created since $since (NULL: none by age).
-- Parameters: $source, $ids, $since.
SELECT r.platform, r.id, r.payload
FROM raw_items AS r
LEFT JOIN mentions AS m USING (platform, id)
WHERE r.source = $source
  AND (list_contains($ids::VARCHAR[], r.id) OR ($since IS NOT NULL AND m.created_at >= $since))
ORDER BY m.created_at NULLS LAST, r.id
