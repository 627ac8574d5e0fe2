-- stored_platforms: every platform the stored mentions come from, for checking a --platform filter.
SELECT DISTINCT platform FROM mentions ORDER BY platform
