-- recent_runs: the last harvest and import runs, newest first, with what their sources stored. Parameter: $limit.
SELECT
    r.run_id,
    r.kind,
    r.started_at,
    r.status,
    coalesce(sum(s.new), 0)::BIGINT     AS new,
    coalesce(sum(s.skipped), 0)::BIGINT AS skipped,
    coalesce(sum(s.suppressed), 0)::BIGINT AS suppressed
FROM harvest_runs AS r
LEFT JOIN harvest_run_sources AS s USING (run_id)
GROUP BY ALL
ORDER BY r.run_id DESC
LIMIT $limit
