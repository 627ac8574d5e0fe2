-- sentiment_evidence: the words and rules (or the model's probabilities) behind the sentiment of the posts a
-- report shows, and whether an analyst corrected it. Reads the registered relation `shown_posts` (platform, id).
SELECT
    s.platform, s.id,
    e.sentiment_evidence            AS evidence,
    c.sentiment_label IS NOT NULL   AS corrected
FROM shown_posts AS s
LEFT JOIN enrichments AS e ON e.platform = s.platform AND e.id = s.id
LEFT JOIN corrections AS c ON c.platform = s.platform AND c.id = s.id
