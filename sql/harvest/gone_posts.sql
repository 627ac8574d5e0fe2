-- gone_posts: the stored posts to remove because the platform says they were deleted at the source: the posts
-- named, and, where the platform took the replies with the post ($whole), every mention in its conversation.
-- Only posts with a stored mention or raw payload are listed. Parameters: $platforms, $ids, $whole (lists of
-- the same length, one entry per post named).
WITH named AS (
    SELECT unnest($platforms::VARCHAR[]) AS platform, unnest($ids::VARCHAR[]) AS id, unnest($whole::BOOLEAN[]) AS whole
),
posts AS (
    SELECT platform, id FROM named
    UNION
    SELECT m.platform, m.id
    FROM mentions AS m
    JOIN named AS n ON m.platform = n.platform AND m.conversation_id = n.id
    WHERE n.whole
)
SELECT platform, id
FROM posts AS p
WHERE EXISTS (SELECT 1 FROM mentions AS m WHERE m.platform = p.platform AND m.id = p.id)
   OR EXISTS (SELECT 1 FROM raw_items AS r WHERE r.platform = p.platform AND r.id = p.id)
