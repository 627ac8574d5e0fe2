-- last_harvest: per source, when its last harvest run that ended well ('ok' or 'partial') finished.
SELECT source, max(finished_at) AS last_ok
FROM harvest_run_sources
WHERE status IN ('ok', 'partial')
GROUP BY source
