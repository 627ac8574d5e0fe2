-- insert_new_mentions: good rows of `staged` whose (platform, id) is not stored yet, for a batch that holds
-- stored keys too. Parameters: $source, $now.
-- The stored keys are found with a semi join, which DuckDB builds on the batch; an anti join from `staged` hashes
-- every stored key instead, and costs more the more is stored.
INSERT INTO mentions
SELECT
    b.platform, b.id, b.created_at, b.author_handle, b.author_id, b.author_name, b.author_followers,
    b.text, b.url, b.in_reply_to_id, b.conversation_id, b.lang,
    b.likes, b.reposts, b.replies, b.quotes, b.views,
    $source AS source, $now AS first_seen_at, $now AS updated_at
FROM staged AS b
WHERE b.copy = 1
  AND b.seq NOT IN (SELECT s.seq FROM staged AS s SEMI JOIN mentions AS m USING (platform, id))
