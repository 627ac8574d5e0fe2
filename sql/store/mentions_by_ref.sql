-- mentions_by_ref: the stored mentions whose short reference (luisterpost/refs.py: "p-" and the first 8 hex
-- digits of SHA-256 of "platform:id") is $ref; normally one, more when references collide.
-- Parameters: $ref.
SELECT platform, id
FROM mentions
WHERE 'p-' || left(sha256(platform || ':' || id), 8) = $ref
ORDER BY platform, id
