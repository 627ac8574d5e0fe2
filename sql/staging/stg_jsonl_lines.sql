-- stg_jsonl_lines: one JSONL line per row (`jsonl_lines(seq, line, unreadable)`) → the Mentions v1 fields as text.
-- Each line is parsed once, straight into the v1 fields; unknown fields are ignored. Fields of any JSON type come
-- back as text (numbers as numbers, objects and arrays as JSON) and are typed in stg_mentions.
WITH parsed AS (
    SELECT
        seq,
        line,
        unreadable,
        -- NULL for a line that is not JSON (or is null); any other value that is not an object gives all
        -- fields NULL. Both are told apart below, for those lines only.
        try(from_json(line, '{
            "platform": "VARCHAR", "id": "VARCHAR", "created_at": "VARCHAR", "author_handle": "VARCHAR",
            "text": "VARCHAR", "url": "VARCHAR", "author_id": "VARCHAR", "author_name": "VARCHAR",
            "author_followers": "VARCHAR", "in_reply_to_id": "VARCHAR", "conversation_id": "VARCHAR",
            "lang": "VARCHAR", "likes": "VARCHAR", "reposts": "VARCHAR", "replies": "VARCHAR",
            "quotes": "VARCHAR", "views": "VARCHAR"
        }')) AS v
    FROM jsonl_lines
),

final AS (
    SELECT
        seq,
        CASE
            WHEN unreadable IS NOT NULL THEN unreadable
            WHEN v IS NULL AND NOT json_valid(line) THEN 'not valid JSON'
            WHEN v IS NULL THEN 'not a JSON object'
            WHEN v.platform IS NULL AND json_type(line) <> 'OBJECT' THEN 'not a JSON object'
        END AS parse_error,
        v.platform, v.id, v.created_at, v.author_handle, v.text, v.url, v.author_id, v.author_name,
        v.author_followers, v.in_reply_to_id, v.conversation_id, v.lang,
        v.likes, v.reposts, v.replies, v.quotes, v.views
    FROM parsed
)

SELECT * FROM final
