-- stg_jsonl_lines: one JSONL line per row (`jsonl_lines(seq, line)`) → the Mentions v1 fields as text.
-- Each line is parsed once; fields of any JSON type come back as text and are typed in stg_mentions.
WITH lines AS (
    SELECT seq, line, json_valid(line) AS valid
    FROM jsonl_lines
),

fields AS (
    SELECT
        seq,
        CASE
            WHEN NOT valid THEN 'not valid JSON'
            WHEN json_type(line) <> 'OBJECT' THEN 'not a JSON object'
        END AS parse_error,
        CASE WHEN valid AND json_type(line) = 'OBJECT' THEN json_extract_string(line, [
            '$.platform', '$.id', '$.created_at', '$.author_handle', '$.text', '$.url',
            '$.author_id', '$.author_name', '$.author_followers', '$.in_reply_to_id',
            '$.conversation_id', '$.lang', '$.likes', '$.reposts', '$.replies', '$.quotes', '$.views'
        ]) END AS v
    FROM lines
),

final AS (
    SELECT
        seq, parse_error,
        v[1] AS platform, v[2] AS id, v[3] AS created_at, v[4] AS author_handle, v[5] AS text,
        v[6] AS url, v[7] AS author_id, v[8] AS author_name, v[9] AS author_followers,
        v[10] AS in_reply_to_id, v[11] AS conversation_id, v[12] AS lang,
        v[13] AS likes, v[14] AS reposts, v[15] AS replies, v[16] AS quotes, v[17] AS views
    FROM fields
)

SELECT * FROM final
