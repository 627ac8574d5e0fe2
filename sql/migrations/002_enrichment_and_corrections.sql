-- 002: enrichment also stores the language and whether a post asks for a reply, and is redone when the
-- enrichment itself changes (fingerprint); analysts' corrections live in their own table, untouched by it.

-- Derived data only: dropped and made again by the next enrichment run.
DROP TABLE enrichments;

CREATE TABLE enrichments (
    platform            VARCHAR     NOT NULL,
    id                  VARCHAR     NOT NULL,
    text_hash           UBIGINT     NOT NULL,  -- the text it saw: redone when the text changes
    sentiment_label     VARCHAR     NOT NULL,  -- negatief | neutraal | positief
    sentiment_score     DOUBLE      NOT NULL,  -- -1..1
    sentiment_evidence  VARCHAR,               -- the words and rules that decided it
    sentiment_source    VARCHAR     NOT NULL,  -- 'regels' (the vocabulary and rules) or the model's name
    themes              VARCHAR[]   NOT NULL,  -- portfolios whose keywords the text holds
    woonkernen          VARCHAR[]   NOT NULL,  -- woonkernen the text names
    language            VARCHAR     NOT NULL,  -- ISO 639-1 code, 'und' when there is nothing to go by
    is_question         BOOLEAN     NOT NULL,  -- asks something (question mark, question word, request)
    is_complaint        BOOLEAN     NOT NULL,  -- negative and names something wrong or not done
    fingerprint         VARCHAR     NOT NULL,  -- keyword lists + enrichment code and vocabulary (redone when they change)
    enriched_at         TIMESTAMPTZ NOT NULL
);

-- An analyst's correction of a mention's sentiment, themes or woonkernen. A null field keeps what
-- enrichment found; every metric and report reads the corrected value (sql/marts/mentions_enriched.sql).
CREATE TABLE corrections (
    platform         VARCHAR     NOT NULL,
    id               VARCHAR     NOT NULL,
    sentiment_label  VARCHAR,               -- negatief | neutraal | positief
    themes           VARCHAR[],
    woonkernen       VARCHAR[],
    note             VARCHAR,
    corrected_by     VARCHAR,
    corrected_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, id)
);
