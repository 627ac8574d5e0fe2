-- 010: the `metric_snapshots` table is dropped. The nightly flow wrote the month's headline figures into it and
-- nothing ever read them: every report, export and `metrics` call computes its figures from the mentions, with the
-- analysts' corrections applied, so a stored copy could only disagree with them.
DROP TABLE IF EXISTS metric_snapshots;
