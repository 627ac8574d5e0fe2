-- update_seen_mentions: mentions seen again in `staged` take its text and engagement counts; an absent
-- optional field never erases a stored one. Only rows that actually change are written. Parameter: $now.
UPDATE mentions AS m SET
    text             = b.text,
    author_id        = coalesce(b.author_id, m.author_id),
    author_name      = coalesce(b.author_name, m.author_name),
    author_followers = coalesce(b.author_followers, m.author_followers),
    url              = coalesce(b.url, m.url),
    in_reply_to_id   = coalesce(b.in_reply_to_id, m.in_reply_to_id),
    conversation_id  = coalesce(b.conversation_id, m.conversation_id),
    lang             = coalesce(b.lang, m.lang),
    likes            = coalesce(b.likes, m.likes),
    reposts          = coalesce(b.reposts, m.reposts),
    replies          = coalesce(b.replies, m.replies),
    quotes           = coalesce(b.quotes, m.quotes),
    views            = coalesce(b.views, m.views),
    updated_at       = $now
FROM staged AS b
WHERE b.error IS NULL AND b.copy = 1
  AND m.platform = b.platform AND m.id = b.id
  AND (
      m.text IS DISTINCT FROM b.text
      OR (b.author_id IS NOT NULL AND m.author_id IS DISTINCT FROM b.author_id)
      OR (b.author_name IS NOT NULL AND m.author_name IS DISTINCT FROM b.author_name)
      OR (b.author_followers IS NOT NULL AND m.author_followers IS DISTINCT FROM b.author_followers)
      OR (b.url IS NOT NULL AND m.url IS DISTINCT FROM b.url)
      OR (b.in_reply_to_id IS NOT NULL AND m.in_reply_to_id IS DISTINCT FROM b.in_reply_to_id)
      OR (b.conversation_id IS NOT NULL AND m.conversation_id IS DISTINCT FROM b.conversation_id)
      OR (b.lang IS NOT NULL AND m.lang IS DISTINCT FROM b.lang)
      OR (b.likes IS NOT NULL AND m.likes IS DISTINCT FROM b.likes)
      OR (b.reposts IS NOT NULL AND m.reposts IS DISTINCT FROM b.reposts)
      OR (b.replies IS NOT NULL AND m.replies IS DISTINCT FROM b.replies)
      OR (b.quotes IS NOT NULL AND m.quotes IS DISTINCT FROM b.quotes)
      OR (b.views IS NOT NULL AND m.views IS DISTINCT FROM b.views)
  )
