-- recent_runs: the last harvest and import runs, newest first, with what their sources stored, what they removed
-- because it was deleted at the source, and what they left out (suppressed). Parameter: $limit.
SELECT
    r.run_id,
    r.kind,
    r.started_at,
    r.status,
    coalesce(sum(s.new), 0)::BIGINT     AS new,
    coalesce(sum(s.skipped), 0)::BIGINT AS skipped,
    coalesce(sum(s.deleted), 0)::BIGINT AS deleted,
    coalesce(sum(s.suppressed), 0)::BIGINT AS suppressed
FROM harvest_runs AS r
LEFT JOIN harvest_run_sources AS s USING (run_id)
GROUP BY ALL
ORDER BY r.run_id DESC
LIMIT $limit
