-- 003: every query of a source (a hashtag, an account, a feed, a file, the conversations) is harvested and
-- recorded on its own, so a failing one is named and the others still run.
CREATE TABLE harvest_run_queries (
    run_id   BIGINT  NOT NULL,
    source   VARCHAR NOT NULL,
    query    VARCHAR NOT NULL,  -- the key its watermark is stored under ('tag:lindeveen', 'feed:https://…')
    label    VARCHAR NOT NULL,  -- what a user reads ('#lindeveen', 'feed 2 (omroep.example/rss)')
    status   VARCHAR NOT NULL,  -- 'ok', 'partial' (items skipped), 'failed', 'skipped', 'stopped', 'not run'
    fetched  BIGINT  NOT NULL DEFAULT 0,
    new      BIGINT  NOT NULL DEFAULT 0,
    updated  BIGINT  NOT NULL DEFAULT 0,
    skipped  BIGINT  NOT NULL DEFAULT 0,
    error    VARCHAR,
    behind   VARCHAR,           -- posts it has not read yet (a gap the next runs close), in words
    PRIMARY KEY (run_id, source, query)
);
