-- source_coverage: per source, the mentions it stored for [$start, $end) and its harvest runs in that period.
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
