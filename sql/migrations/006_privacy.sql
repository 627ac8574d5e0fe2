-- 006: erasure and objection (AVG art. 17 and 21). A person or post that must not be stored again is kept only
-- as a keyed hash (HMAC-SHA256 with the municipality's pseudonym key, luisterpost/store/suppression.py): never
-- the handle, id or text in clear. Harvests and imports skip what the list names and count it as suppressed.
CREATE TABLE suppressions (
    kind      VARCHAR     NOT NULL,  -- 'handle' (platform + normalised handle), 'author_id' or 'post' (platform + id)
    digest    VARCHAR     NOT NULL,  -- hex HMAC-SHA256 of "platform:kind:value"
    added_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, digest)
);

-- Posts a run left out because their author or the post itself is on the suppression list. (DuckDB cannot add
-- a column with a NOT NULL constraint; every run record writes it.)
ALTER TABLE harvest_run_sources ADD COLUMN suppressed BIGINT DEFAULT 0;
