-- 009: what the watch alerted (docs/operations.md, "Watch en meldingen"). One row per episode alerted, with what
-- it was alerted at (so an episode is alerted once, and again only when it escalates); one row per alert; one
-- row per alert and alert URL with its delivery status, so a failed delivery is retried and never silently lost.
CREATE SEQUENCE watch_episode_ids START 1;
CREATE TABLE watch_episodes (
    episode_id   INTEGER     PRIMARY KEY DEFAULT nextval('watch_episode_ids'),
    start        TIMESTAMPTZ NOT NULL,  -- its first hour
    until        TIMESTAMPTZ NOT NULL,  -- the end of its last hour seen (exclusive)
    severity     INTEGER     NOT NULL,  -- the severity last alerted
    woonkernen   VARCHAR[]   NOT NULL,  -- the woonkernen and themes alerted so far
    themes       VARCHAR[]   NOT NULL,
    alerted_at   TIMESTAMPTZ NOT NULL
);

CREATE SEQUENCE alert_ids START 1;
CREATE TABLE alerts (
    alert_id     INTEGER     PRIMARY KEY DEFAULT nextval('alert_ids'),
    episode_id   INTEGER     NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    reason       VARCHAR     NOT NULL,  -- 'nieuw', 'ernstiger' or 'breder'
    severity     INTEGER     NOT NULL,
    title        VARCHAR     NOT NULL,
    body         VARCHAR     NOT NULL,  -- as sent (residents pseudonymised, masked); emptied once delivered everywhere
    facts        JSON        NOT NULL   -- the numbers, for the Prefect event
);

CREATE TABLE alert_deliveries (
    alert_id     INTEGER     NOT NULL,
    target       INTEGER     NOT NULL,  -- the URL's place in [alerts] urls
    label        VARCHAR     NOT NULL,  -- scheme and host only: never a credential
    status       VARCHAR     NOT NULL,  -- 'delivered' or 'failed'
    attempts     INTEGER     NOT NULL,
    last_error   VARCHAR,               -- redacted
    last_attempt TIMESTAMPTZ NOT NULL,
    delivered_at TIMESTAMPTZ,
    PRIMARY KEY (alert_id, target)
);
