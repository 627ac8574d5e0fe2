-- 008: the `authors` view (one row per person with their post count and first/last post) is dropped. Nothing read
-- it, and a per-person profile is exactly what the municipality must not keep (docs/privacy.md): posts are kept,
-- persons are not.
DROP VIEW IF EXISTS authors;
