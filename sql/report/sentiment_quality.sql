-- sentiment_quality: for the mentions created in [$start, $end), per sentiment source (the vocabulary
-- 'regels' or a model): how many it scored, how many of those an analyst corrected the sentiment of,
-- and in how many of those the score already agreed with the analyst.
-- Parameters: $start, $end.
SELECT
    e.sentiment_source                                                         AS source,
    count(*)                                                                   AS scored,
    count(c.sentiment_label)                                                   AS corrected,
    count(*) FILTER (WHERE c.sentiment_label = e.sentiment_label)              AS agreed
FROM mentions AS m
JOIN enrichments AS e ON e.platform = m.platform AND e.id = m.id
LEFT JOIN corrections AS c ON c.platform = m.platform AND c.id = m.id
WHERE m.created_at >= $start AND m.created_at < $end
GROUP BY e.sentiment_source
ORDER BY scored DESC
