-- stg_mentions: incoming mentions with every field as text (`incoming`) → typed Mentions v1 rows, each
-- with `error` saying what is wrong (NULL when the row is good) and `copy` = 1 on the good rows to store.
-- Only renames, trims, casts and checks (a link that is not a web address is left out). Every source's rows
-- pass here before they are stored, so nothing stored breaks these rules (docs/mentions-jsonl.md).
WITH trimmed AS (
    -- Every field but the text without surrounding spaces. Trimmed only when there is a space at either end:
    -- trimming copies the string, and most have none.
    SELECT
        seq,
        parse_error,
        text,
        CASE
            WHEN starts_with(COLUMNS(* EXCLUDE (seq, parse_error, text)), ' ')
              OR ends_with(COLUMNS(* EXCLUDE (seq, parse_error, text)), ' ')
            THEN trim(COLUMNS(* EXCLUDE (seq, parse_error, text)))
            ELSE COLUMNS(* EXCLUDE (seq, parse_error, text))
        END
    FROM incoming
),

cleaned AS (
    SELECT
        seq,
        parse_error,
        lower(nullif(platform, ''))        AS platform,
        nullif(id, '')                     AS id,
        nullif(created_at, '')             AS created_at_text,
        nullif(author_handle, '')          AS author_handle,
        text,
        -- A link to the post is a web address (http or https, no user name or password in it, no spaces or
        -- control characters); anything else, such as a javascript: or data: URL, is dropped and the
        -- mention kept.
        CASE WHEN regexp_full_match(url, '(?i)https?://[^/?#@\\\x00-\x20\x7f]+([/?#][^\x00-\x20\x7f]*)?')
             THEN url END                  AS url,
        nullif(author_id, '')              AS author_id,
        nullif(author_name, '')            AS author_name,
        nullif(author_followers, '')       AS author_followers_text,
        nullif(in_reply_to_id, '')         AS in_reply_to_id,
        nullif(conversation_id, '')        AS conversation_id,
        lower(nullif(lang, ''))            AS lang,
        nullif(likes, '')                  AS likes_text,
        nullif(reposts, '')                AS reposts_text,
        nullif(replies, '')                AS replies_text,
        nullif(quotes, '')                 AS quotes_text,
        nullif(views, '')                  AS views_text
    FROM trimmed
),

typed AS (
    SELECT
        *,
        try_cast(created_at_text AS TIMESTAMPTZ)   AS created_at,
        -- The same text as a wall-clock time, ignoring the zone: its distance from created_at is the offset.
        try_cast(created_at_text AS TIMESTAMP)     AS created_at_wall,
        -- A date alone would silently become midnight UTC. (Of the texts that cast, only those lack a colon.)
        contains(created_at_text, ':')             AS created_at_has_time,
        -- A time without a zone is ambiguous (local? UTC?): v1 requires the zone.
        regexp_matches(created_at_text, '([zZ]|[+-]\d{2}(:?\d{2})?)$') AS created_at_has_zone,
        -- Counts must be plain whole numbers: a cast alone would round 2.5 to 3.
        CASE WHEN regexp_full_match(author_followers_text, '[0-9]+') THEN try_cast(author_followers_text AS BIGINT) END AS author_followers,
        CASE WHEN regexp_full_match(likes_text, '[0-9]+') THEN try_cast(likes_text AS BIGINT) END AS likes,
        CASE WHEN regexp_full_match(reposts_text, '[0-9]+') THEN try_cast(reposts_text AS BIGINT) END AS reposts,
        CASE WHEN regexp_full_match(replies_text, '[0-9]+') THEN try_cast(replies_text AS BIGINT) END AS replies,
        CASE WHEN regexp_full_match(quotes_text, '[0-9]+') THEN try_cast(quotes_text AS BIGINT) END AS quotes,
        CASE WHEN regexp_full_match(views_text, '[0-9]+') THEN try_cast(views_text AS BIGINT) END AS views
    FROM cleaned
),

checked AS (
    SELECT
        *,
        CASE
            WHEN parse_error IS NOT NULL THEN parse_error
            WHEN platform IS NULL THEN 'missing required field "platform"'
            WHEN NOT regexp_full_match(platform, '[a-z0-9_]+')
                THEN 'platform "' || platform || '" may hold only letters, digits and _'
            WHEN id IS NULL THEN 'missing required field "id"'
            WHEN created_at_text IS NULL THEN 'missing required field "created_at"'
            WHEN created_at IS NULL OR created_at_wall IS NULL
                THEN 'created_at "' || created_at_text || '" is not an ISO-8601 date and time'
            WHEN NOT created_at_has_time
                THEN 'created_at "' || created_at_text || '" is a date without a time (write e.g. 2026-10-08T14:03:00+02:00)'
            WHEN NOT created_at_has_zone
                THEN 'created_at "' || created_at_text || '" has no time zone (add Z or +01:00)'
            WHEN abs(epoch(created_at_wall) - epoch(created_at)) > 14 * 3600
                THEN 'created_at "' || created_at_text || '" has an offset beyond ±14:00'
            -- Beyond these years a time is a mistake, and some cannot even be shown (year 0, year 10000).
            WHEN created_at < TIMESTAMPTZ '2000-01-01 00:00:00+00' OR created_at >= TIMESTAMPTZ '2101-01-01 00:00:00+00'
                THEN 'created_at "' || created_at_text || '" is outside the years 2000–2100'
            WHEN author_handle IS NULL THEN 'missing required field "author_handle"'
            WHEN text IS NULL THEN 'missing required field "text"'
            WHEN author_followers_text IS NOT NULL AND author_followers IS NULL
                THEN 'author_followers "' || author_followers_text || '" is not a whole number ≥ 0'
            WHEN likes_text IS NOT NULL AND likes IS NULL
                THEN 'likes "' || likes_text || '" is not a whole number ≥ 0'
            WHEN reposts_text IS NOT NULL AND reposts IS NULL
                THEN 'reposts "' || reposts_text || '" is not a whole number ≥ 0'
            WHEN replies_text IS NOT NULL AND replies IS NULL
                THEN 'replies "' || replies_text || '" is not a whole number ≥ 0'
            WHEN quotes_text IS NOT NULL AND quotes IS NULL
                THEN 'quotes "' || quotes_text || '" is not a whole number ≥ 0'
            WHEN views_text IS NOT NULL AND views IS NULL
                THEN 'views "' || views_text || '" is not a whole number ≥ 0'
        END AS error
    FROM typed
),

final AS (
    SELECT
        seq, error,
        -- 1 on every good row; where a batch holds a (platform, id) more than once, staging/superseded_copies
        -- then keeps it on the last good copy only (that copy is the one stored).
        CASE WHEN error IS NULL THEN 1 END AS copy,
        platform, id, created_at, author_handle, author_id, author_name, author_followers,
        text, url, in_reply_to_id, conversation_id, lang, likes, reposts, replies, quotes, views
    FROM checked
)

SELECT * FROM final
