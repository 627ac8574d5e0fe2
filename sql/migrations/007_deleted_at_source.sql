-- 007: a harvest run records per source how many stored posts it removed because the platform said, when they
-- were read again within revisit_days, that they were deleted at the source (docs/sources.md).
ALTER TABLE harvest_run_sources ADD COLUMN deleted BIGINT DEFAULT 0;
