-- source_mentions: per source, the creation times of the mentions it stored in [$start, $end), for the
-- days without mentions in the coverage table (counted per local day in Polars).
-- Parameters: $start, $end.
SELECT source, created_at
FROM mentions
WHERE created_at >= $start AND created_at < $end
