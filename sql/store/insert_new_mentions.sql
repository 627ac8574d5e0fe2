-- insert_new_mentions: good rows of `staged` whose (platform, id) is not stored yet. Parameters: $source, $now.
INSERT INTO mentions
SELECT
    b.platform, b.id, b.created_at, b.author_handle, b.author_id, b.author_name, b.author_followers,
    b.text, b.url, b.in_reply_to_id, b.conversation_id, b.lang,
    b.likes, b.reposts, b.replies, b.quotes, b.views,
    $source AS source, $now AS first_seen_at, $now AS updated_at
FROM staged AS b
ANTI JOIN mentions AS m USING (platform, id)
WHERE b.error IS NULL AND b.copy = 1
