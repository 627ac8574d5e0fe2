-- insert_staged_mentions: every good row of `staged`, for a batch none of whose (platform, id) is stored yet
-- (store_staged checks): without a join DuckDB writes them on all cores. Parameters: $source, $now.
INSERT INTO mentions
SELECT
    platform, id, created_at, author_handle, author_id, author_name, author_followers,
    text, url, in_reply_to_id, conversation_id, lang, likes, reposts, replies, quotes, views,
    $source AS source, $now AS first_seen_at, $now AS updated_at
FROM staged
WHERE copy = 1
