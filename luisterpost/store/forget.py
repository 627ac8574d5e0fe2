"""Erasure and objection (AVG art. 17 and 21): removing every post of a person, or one post, and putting them on
the suppression list (store/suppression.py) so later harvests and imports leave them out.

A person's handle (and account id) in other stored posts, in their texts, raw payloads and run messages, is
replaced by its pseudonym. Afterwards the caller rewrites the file (store/compact.py): deleted rows leave
their bytes behind until then."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from ..errors import UserError
from ..handles import normalise_handle, platform_name
from .db import transaction
from .suppression import Suppressor, add

# The stored author handle normalised as handles.normalise_handle does it, in SQL.
_HANDLE = ("CASE WHEN platform = 'mastodon' THEN split_part(lower(ltrim(trim(author_handle), '@')), '@', 1)"
           " ELSE lower(ltrim(trim(author_handle), '@')) END")
MENTION_TABLES = ("mentions", "mentions_out_of_range")


@dataclass
class Forgotten:
    """What was removed and replaced."""

    posts: int = 0  # mentions removed
    raw_items: int = 0  # raw payloads removed
    enrichments: int = 0
    corrections: int = 0
    texts: int = 0  # other posts whose text named the person: the handle replaced by its pseudonym
    payloads: int = 0  # other raw payloads that named them: handle and account id replaced
    listed: int = 0  # keyed hashes on the suppression list (handle, account ids, post)


def forget_person(con: duckdb.DuckDBPyConnection, suppressor: Suppressor, platform: str, handle: str,
                  now: datetime | None = None) -> Forgotten:
    """Remove every post by `handle` on `platform` (also those under an earlier handle of the same account id),
    list the handle and account ids, and replace them in other stored posts by their pseudonyms."""
    platform = platform_name(platform)
    normalised = normalise_handle(platform, handle)
    if not normalised:
        raise UserError(f"--handle {handle!r}: not a handle")
    now = now or datetime.now(UTC)
    with transaction(con):
        ids = sorted({row[0] for table in MENTION_TABLES for row in con.execute(
            f"SELECT DISTINCT author_id FROM {table} WHERE platform = ? AND {_HANDLE} = ? AND author_id IS NOT NULL",
            [platform, normalised]).fetchall()})
        con.execute("CREATE OR REPLACE TEMP TABLE forgotten (platform VARCHAR, id VARCHAR)")
        for table in MENTION_TABLES:
            con.execute(f"INSERT INTO forgotten SELECT platform, id FROM {table} WHERE platform = ?"
                        f" AND ({_HANDLE} = ? OR list_contains(?::VARCHAR[], author_id))", [platform, normalised, ids])
        entries = [("handle", platform, normalised)] + [("author_id", platform, i) for i in ids]
        listed = add(con, suppressor, entries, now)
        result = _remove(con)
        result.listed = len(entries)
        words = [normalised] + ids
        result.texts = _scrub_texts(con, listed, platform, normalised)
        result.payloads = _scrub_payloads(con, listed, platform, words)
        _scrub_messages(con, listed, platform, normalised)
    return result


def forget_post(con: duckdb.DuckDBPyConnection, suppressor: Suppressor, platform: str, post_id: str,
                now: datetime | None = None) -> Forgotten:
    """Remove one post (its mention, raw payloads, enrichment and correction) and list it."""
    platform = platform_name(platform)
    if not post_id.strip():
        raise UserError("--post: give the platform and the post's id")
    with transaction(con):
        con.execute("CREATE OR REPLACE TEMP TABLE forgotten AS SELECT ?::VARCHAR AS platform, ?::VARCHAR AS id",
                    [platform, post_id.strip()])
        add(con, suppressor, [("post", platform, post_id.strip())], now or datetime.now(UTC))
        result = _remove(con)
        result.listed = 1
    return result


def _remove(con: duckdb.DuckDBPyConnection) -> Forgotten:
    """Delete the posts in the temp table `forgotten` from every table that holds them; return the counts."""
    keyed = "EXISTS (SELECT 1 FROM forgotten AS f WHERE f.platform = t.platform AND f.id = t.id)"
    result = Forgotten()
    result.posts = con.execute(f"DELETE FROM mentions AS t WHERE {keyed}").fetchall()[0][0]
    result.posts += con.execute(f"DELETE FROM mentions_out_of_range AS t WHERE {keyed}").fetchall()[0][0]
    result.raw_items = con.execute(f"DELETE FROM raw_items AS t WHERE {keyed}").fetchall()[0][0]
    result.enrichments = con.execute(f"DELETE FROM enrichments AS t WHERE {keyed}").fetchall()[0][0]
    result.corrections = con.execute(f"DELETE FROM corrections AS t WHERE {keyed}").fetchall()[0][0]
    # A conversation found but not read yet names its post in a watermark: not to be read for it any more.
    con.execute("DELETE FROM watermarks AS w WHERE starts_with(w.query, 'conversation ') AND EXISTS (SELECT 1 FROM"
                " forgotten AS f WHERE f.platform = json_extract_string(w.value, '$[0]')"
                " AND f.id = json_extract_string(w.value, '$[1]'))")
    con.execute("DROP TABLE forgotten")
    return result


def _scrub_texts(con: duckdb.DuckDBPyConnection, suppressor: Suppressor, platform: str, handle: str) -> int:
    """Replace the listed handle in other posts' texts on `platform`; their enrichment is redone. Return how many
    posts changed."""
    changed_total = 0
    for table in MENTION_TABLES:
        rows = con.execute(f"SELECT id, text FROM {table} WHERE platform = ? AND contains(lower(text), ?)",
                           [platform, handle]).fetchall()
        changed = [(i, new) for i, text in rows if (new := suppressor.scrub_text(platform, text)) != text]
        if not changed:
            continue
        con.register("scrubbed", pa.table({"id": pa.array([i for i, _ in changed], pa.string()),
                                           "text": pa.array([t for _, t in changed], pa.string())}))
        con.execute(f"UPDATE {table} AS m SET text = s.text FROM scrubbed AS s WHERE m.platform = ? AND m.id = s.id",
                    [platform])
        # Evidence words come from the old text; enrichment finds the changed text and derives it again.
        con.execute("DELETE FROM enrichments AS e USING scrubbed AS s WHERE e.platform = ? AND e.id = s.id", [platform])
        con.unregister("scrubbed")
        changed_total += len(changed)
    return changed_total


def _scrub_payloads(con: duckdb.DuckDBPyConnection, suppressor: Suppressor, platform: str, words: list[str]) -> int:
    """Replace the listed handle and account ids in other raw payloads of `platform`; delete those whose post
    was never stored (the payload did not normalise: whose it is cannot be told). Return how many changed."""
    named = " OR ".join(["contains(lower(r.payload::VARCHAR), ?)"] * len(words))
    rows = con.execute(
        "SELECT r.source, r.id, r.payload, m.id IS NOT NULL FROM raw_items AS r"
        f" LEFT JOIN mentions AS m ON m.platform = r.platform AND m.id = r.id WHERE r.platform = ? AND ({named})",
        [platform, *(w.lower() for w in words)]).fetchall()
    orphans = [(source, i) for source, i, _, stored in rows if not stored]
    changed = [(source, i, new) for source, i, payload, stored in rows
               if stored and (new := suppressor.scrub_payload(platform, payload)) != payload]
    for source, i in orphans:
        con.execute("DELETE FROM raw_items WHERE source = ? AND platform = ? AND id = ?", [source, platform, i])
    for source, i, payload in changed:
        con.execute("UPDATE raw_items SET payload = ? WHERE source = ? AND platform = ? AND id = ?",
                    [payload, source, platform, i])
    return len(changed)


def _scrub_messages(con: duckdb.DuckDBPyConnection, suppressor: Suppressor, platform: str, handle: str) -> None:
    """Replace the listed handle in the harvest runs' messages (an error may quote a URL with it)."""
    for table in ("harvest_run_sources", "harvest_run_queries"):
        rows = con.execute(f"SELECT rowid, error FROM {table} WHERE contains(lower(error), ?)", [handle]).fetchall()
        for rowid, error in rows:
            scrubbed = "\n".join(" ".join(suppressor.scrub_value(platform, word) for word in line.split(" "))
                                 for line in error.split("\n"))
            con.execute(f"UPDATE {table} SET error = ? WHERE rowid = ?", [scrubbed, rowid])
