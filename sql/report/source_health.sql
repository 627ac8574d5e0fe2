-- source_health: per source that was ever harvested, its last harvest (when, status, error), its last good
-- harvest ('ok' or 'partial': something was read) and how many of its harvests failed since that one.
-- Imports and renormalising fetch nothing from a source: only harvest runs count.
WITH harvests AS (
    SELECT s.source, s.run_id, s.started_at, s.finished_at, s.status, s.error
    FROM harvest_run_sources AS s
    SEMI JOIN (SELECT run_id FROM harvest_runs WHERE kind = 'harvest') AS r USING (run_id)
),

last_good AS (
    SELECT source, max(finished_at) AS last_ok
    FROM harvests
    WHERE status IN ('ok', 'partial')
    GROUP BY source
),

last_run AS (
    SELECT source, arg_max(status, run_id) AS last_status, arg_max(error, run_id) AS last_error,
           max(started_at) AS last_run_at
    FROM harvests
    GROUP BY source
),

failures AS (
    SELECT h.source, count(*) AS failed_since_ok
    FROM harvests AS h
    LEFT JOIN last_good AS g USING (source)
    WHERE h.status = 'failed' AND (g.last_ok IS NULL OR h.started_at > g.last_ok)
    GROUP BY h.source
)

SELECT
    last_run.source,
    last_run.last_run_at,
    last_run.last_status,
    last_run.last_error,
    last_good.last_ok,
    coalesce(failures.failed_since_ok, 0)::BIGINT AS failed_since_ok
FROM last_run
LEFT JOIN last_good USING (source)
LEFT JOIN failures USING (source)
ORDER BY last_run.source
