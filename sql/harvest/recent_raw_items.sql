-- recent_raw_items: the raw payloads a source stored of posts created since $since, whose conversations are
-- read again for late replies. Parameters: $source, $since.
SELECT r.platform, r.id, r.payload
FROM raw_items AS r
JOIN mentions AS m USING (platform, id)
WHERE r.source = $source
  AND m.created_at >= $since
ORDER BY m.created_at
