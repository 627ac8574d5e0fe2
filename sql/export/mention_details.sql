-- mention_details: for the mentions an export holds (the registered relation `export_keys` (platform, id)),
-- the scorer's sentiment score, who decided the label (the scorer 'regels' or a model's name, or 'correctie'
-- when an analyst corrected it) and whether an analyst corrected anything (sentiment, themes or woonkernen).
SELECT
    k.platform, k.id,
    e.sentiment_score,
    CASE WHEN c.sentiment_label IS NOT NULL THEN 'correctie' ELSE e.sentiment_source END  AS sentiment_source,
    c.platform IS NOT NULL                                                               AS corrected
FROM export_keys AS k
LEFT JOIN enrichments AS e ON e.platform = k.platform AND e.id = k.id
LEFT JOIN corrections AS c ON c.platform = k.platform AND c.id = k.id
