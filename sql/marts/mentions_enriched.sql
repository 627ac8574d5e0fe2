-- mentions_enriched: mentions created in [$start, $end) with what enrichment derived, corrected where an
-- analyst corrected it, as far as the metrics read them (metrics.compute.LOADED_COLUMNS), in stored order
-- (metrics.load puts them in time order: mostly they are already).
-- Parameters: $start, $end.
SELECT
    m.platform, m.id, m.created_at, m.author_handle, m.author_followers, m.text, m.url,
    m.in_reply_to_id, m.conversation_id, m.likes, m.reposts, m.replies, m.quotes, m.views,
    coalesce(c.sentiment_label, e.sentiment_label)         AS sentiment_label,
    coalesce(c.themes, e.themes, []::VARCHAR[])            AS themes,
    coalesce(c.woonkernen, e.woonkernen, []::VARCHAR[])    AS woonkernen,
    coalesce(e.language, 'und')                            AS language,
    coalesce(e.is_question OR e.is_complaint, false)       AS needs_reply
FROM mentions AS m
-- The enrichments' own created_at (equal to the mention's) limits them to the period before they are matched.
LEFT JOIN enrichments AS e
    ON e.platform = m.platform AND e.id = m.id AND e.created_at >= $start AND e.created_at < $end
LEFT JOIN corrections AS c ON c.platform = m.platform AND c.id = m.id
WHERE m.created_at >= $start AND m.created_at < $end
