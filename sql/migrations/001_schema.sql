-- 001: the first schema: raw items, normalised mentions, authors, harvest runs, watermarks.

-- The untouched payload of every item a source fetched, so normalisation can be re-run without re-harvesting.
CREATE TABLE raw_items (
    source      VARCHAR     NOT NULL,  -- the configured source's name
    platform    VARCHAR     NOT NULL,
    id          VARCHAR     NOT NULL,  -- the platform's id of the item
    fetched_at  TIMESTAMPTZ NOT NULL,  -- last time the source returned it
    payload     JSON        NOT NULL,
    PRIMARY KEY (source, platform, id)
);

-- One row per post (Mentions JSONL v1, docs/mentions-jsonl.md), whichever source saw it.
-- (platform, id) is unique: the store inserts only unseen keys and updates the rest. No index is kept on it,
-- because maintaining one doubles the cost of a bulk import and nothing here looks a single post up by key.
CREATE TABLE mentions (
    platform          VARCHAR     NOT NULL,
    id                VARCHAR     NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    author_handle     VARCHAR     NOT NULL,
    author_id         VARCHAR,
    author_name       VARCHAR,
    author_followers  BIGINT,
    text              VARCHAR     NOT NULL,
    url               VARCHAR,
    in_reply_to_id    VARCHAR,
    conversation_id   VARCHAR,
    lang              VARCHAR,
    likes             BIGINT,
    reposts           BIGINT,
    replies           BIGINT,
    quotes            BIGINT,
    views             BIGINT,
    source            VARCHAR     NOT NULL,  -- the source (or imported file) that first stored it
    first_seen_at     TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL   -- last time a re-seen copy changed text or counts
);

-- Authors with their last known values, derived from mentions rather than stored twice: always consistent, nothing extra kept.
-- The handle is lower-case without a leading @, so it matches however it was written.
CREATE VIEW authors AS
SELECT
    platform,
    lower(ltrim(author_handle, '@'))        AS handle,
    arg_max(author_id, created_at)          AS author_id,
    arg_max(author_name, created_at)        AS name,
    arg_max(author_followers, created_at)   AS followers,
    count(*)                                AS mentions,
    min(created_at)                         AS first_post_at,
    max(created_at)                         AS last_post_at
FROM mentions
GROUP BY ALL;

CREATE SEQUENCE harvest_run_ids START 1;

-- One row per harvest (or import): when, how it ended.
CREATE TABLE harvest_runs (
    run_id       BIGINT      PRIMARY KEY DEFAULT nextval('harvest_run_ids'),
    kind         VARCHAR     NOT NULL,  -- 'harvest' or 'import'
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    status       VARCHAR     NOT NULL   -- 'running', 'ok', 'partial' (some sources failed or rows skipped), 'failed'
);

-- Per run and source: counts, status and the error text a user reads.
CREATE TABLE harvest_run_sources (
    run_id       BIGINT      NOT NULL,
    source       VARCHAR     NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    status       VARCHAR     NOT NULL,  -- 'running', 'ok', 'partial', 'failed', 'skipped'
    fetched      BIGINT      NOT NULL DEFAULT 0,  -- items the source returned
    new          BIGINT      NOT NULL DEFAULT 0,  -- mentions not stored before
    updated      BIGINT      NOT NULL DEFAULT 0,  -- mentions seen before (engagement refreshed)
    skipped      BIGINT      NOT NULL DEFAULT 0,  -- items that could not be read or normalised
    error        VARCHAR,
    PRIMARY KEY (run_id, source)
);

-- How far each source got, per query (hashtag, account, file...). Moves only with the rows it covers.
CREATE TABLE watermarks (
    source      VARCHAR     NOT NULL,
    query       VARCHAR     NOT NULL,
    value       VARCHAR     NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, query)
);

-- What enrichment derived per mention, for the text it saw (text_hash): re-derived when the text or the
-- config's keyword lists change.
CREATE TABLE enrichments (
    platform            VARCHAR     NOT NULL,
    id                  VARCHAR     NOT NULL,
    text_hash           UBIGINT     NOT NULL,
    sentiment_label     VARCHAR     NOT NULL,  -- negatief | neutraal | positief
    sentiment_score     DOUBLE      NOT NULL,  -- -1..1
    sentiment_evidence  VARCHAR,               -- the words that decided it
    themes              VARCHAR[]   NOT NULL,  -- portfolios whose keywords the text holds
    woonkernen          VARCHAR[]   NOT NULL,  -- woonkernen the text names
    terms_fingerprint   VARCHAR     NOT NULL,  -- which keyword lists were used (redone when they change)
    enriched_at         TIMESTAMPTZ NOT NULL
);

-- Metrics computed after each harvest, per period, as one JSON document.
CREATE TABLE metric_snapshots (
    computed_at  TIMESTAMPTZ NOT NULL,
    period       VARCHAR     NOT NULL,  -- e.g. '2026-10'
    metrics      JSON        NOT NULL
);
