"""Validating incoming mentions and upserting them (and their authors) keyed on (platform, id)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from ..sql import query
from .suppression import Suppressor, suppress_staged

# Mentions JSONL v1 (docs/mentions-jsonl.md): required fields first.
REQUIRED_FIELDS = ("platform", "id", "created_at", "author_handle", "text")
OPTIONAL_FIELDS = (
    "url", "author_id", "author_name", "author_followers", "in_reply_to_id", "conversation_id",
    "lang", "likes", "reposts", "replies", "quotes", "views",
)
FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS

# What `incoming` must look like: a sequence number, an optional parse error, every field as text.
INCOMING_SCHEMA = pa.schema(
    [("seq", pa.int64()), ("parse_error", pa.string())] + [(f, pa.string()) for f in FIELDS]
)


@dataclass(frozen=True)
class Rejected:
    """A row that was not stored: its sequence number in the batch and the reason."""

    seq: int
    reason: str


@dataclass(frozen=True)
class StoreCounts:
    new: int
    updated: int
    rejected: list[Rejected]
    suppressed: int = 0  # left out: on the suppression list


def stage(con: duckdb.DuckDBPyConnection, incoming: pa.Table | str) -> list[Rejected]:
    """Validate `incoming` into the temp table `staged`; return the rejected rows.

    `incoming` is a table shaped as INCOMING_SCHEMA, or a SQL query that returns that shape."""
    # The last batch's rows go first: replacing the table would hold both batches in memory at once.
    con.execute("DROP TABLE IF EXISTS staged")
    if isinstance(incoming, str):
        con.execute(f"CREATE OR REPLACE TEMP VIEW incoming AS {incoming}")
    else:
        con.register("incoming", incoming)
    try:
        con.execute(f"CREATE TEMP TABLE staged AS {query('staging/stg_mentions')}")
    finally:
        if isinstance(incoming, str):
            con.execute("DROP VIEW incoming")
        else:
            con.unregister("incoming")
    con.execute(query("staging/superseded_copies"))
    rows = con.execute("SELECT seq, error FROM staged WHERE error IS NOT NULL ORDER BY seq").fetchall()
    return [Rejected(seq, reason) for seq, reason in rows]


def store_staged(con: duckdb.DuckDBPyConnection, *, source: str, now: datetime,
                 suppressor: Suppressor | None = None) -> tuple[int, int, int]:
    """Store the good rows of `staged`, but for those on the suppression list (store/suppression.py): insert new
    mentions and refresh the changed ones.

    Returns (new, updated, suppressed): mentions not stored before, stored ones whose text or counts changed,
    and posts left out because they or their author are on the list. Call inside a transaction."""
    suppressed = suppress_staged(con, suppressor)
    params = {"source": source, "now": now}
    stored = con.execute(query("store/count_stored_copies")).fetchall()[0][0]
    if not stored:
        # All new, as in a first load: a plain insert, which DuckDB writes in parallel, and nothing to update.
        return con.execute(query("store/insert_staged_mentions"), params).fetchall()[0][0], 0, suppressed
    copies = con.execute("SELECT count(*) FROM staged WHERE copy = 1").fetchall()[0][0]
    new = con.execute(query("store/insert_new_mentions"), params).fetchall()[0][0] if stored < copies else 0
    updated = con.execute(query("store/update_seen_mentions"), {"now": now}).fetchall()[0][0]
    return new, updated, suppressed


def store_incoming(
    con: duckdb.DuckDBPyConnection, incoming: pa.Table, *, source: str, now: datetime,
    suppressor: Suppressor | None = None,
) -> StoreCounts:
    """Validate and upsert one batch; return the counts and the rejected rows. Call inside a transaction."""
    rejected = stage(con, incoming)
    new, updated, suppressed = store_staged(con, source=source, now=now, suppressor=suppressor)
    return StoreCounts(new, updated, rejected, suppressed)
