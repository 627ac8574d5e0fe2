-- last_harvest: per source, when its last harvest run that ended well ('ok' or 'partial') finished.
-- Renormalising stored payloads fetches nothing: those runs do not count.
SELECT source, max(finished_at) AS last_ok
FROM harvest_run_sources
ANTI JOIN (SELECT run_id FROM harvest_runs WHERE kind = 'renormalise') USING (run_id)
WHERE status IN ('ok', 'partial')
GROUP BY source
