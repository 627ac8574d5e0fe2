-- source_coverage: per source, the mentions it stored for [$start, $end) and its harvest runs in that period
-- (renormalising stored payloads fetches nothing: not a harvest run).
WITH stored AS (
    SELECT
        source,
        count(*)                                              AS mentions,
        string_agg(DISTINCT platform, ', ' ORDER BY platform) AS platforms
    FROM mentions
    WHERE created_at >= $start AND created_at < $end
    GROUP BY source
),

runs AS (
    SELECT
        source,
        count(*)                                   AS runs,
        count(*) FILTER (WHERE status = 'failed')  AS failed
    FROM harvest_run_sources
    ANTI JOIN (SELECT run_id FROM harvest_runs WHERE kind = 'renormalise') USING (run_id)
    WHERE started_at >= $start AND started_at < $end
    GROUP BY source
),

final AS (
    SELECT
        source,
        coalesce(stored.mentions, 0)  AS mentions,
        coalesce(stored.platforms, '') AS platforms,
        coalesce(runs.runs, 0)        AS runs,
        coalesce(runs.failed, 0)      AS failed
    FROM stored
    FULL OUTER JOIN runs USING (source)
)

SELECT * FROM final ORDER BY source
