-- replace_changed_mentions: stored mentions take every field of their good row in `staged`, an empty optional
-- field included (a corrected normaliser may rightly leave one empty). Only rows that differ are written; the
-- source that first stored a mention, and when, are kept. Parameter: $now.
UPDATE mentions AS m SET
    created_at       = b.created_at,
    author_handle    = b.author_handle,
    author_id        = b.author_id,
    author_name      = b.author_name,
    author_followers = b.author_followers,
    text             = b.text,
    url              = b.url,
    in_reply_to_id   = b.in_reply_to_id,
    conversation_id  = b.conversation_id,
    lang             = b.lang,
    likes            = b.likes,
    reposts          = b.reposts,
    replies          = b.replies,
    quotes           = b.quotes,
    views            = b.views,
    updated_at       = $now
FROM staged AS b
WHERE b.error IS NULL AND b.copy = 1
  AND m.platform = b.platform AND m.id = b.id
  AND (m.created_at, m.author_handle, m.author_id, m.author_name, m.author_followers, m.text, m.url,
       m.in_reply_to_id, m.conversation_id, m.lang, m.likes, m.reposts, m.replies, m.quotes, m.views)
      IS DISTINCT FROM
      (b.created_at, b.author_handle, b.author_id, b.author_name, b.author_followers, b.text, b.url,
       b.in_reply_to_id, b.conversation_id, b.lang, b.likes, b.reposts, b.replies, b.quotes, b.views)
