"""Storing mentions as they are now, rather than as seen again: every field of a stored mention replaced by
its newly normalised value, for re-running a corrected normaliser over the raw payloads."""

from __future__ import annotations

from datetime import datetime

import duckdb

from ..sql import query
from .suppression import Suppressor, suppress_staged


def replace_staged(con: duckdb.DuckDBPyConnection, *, source: str, now: datetime,
                   suppressor: Suppressor | None = None) -> tuple[int, int]:
    """Store the good rows of `staged` (see `mentions.stage`): stored mentions that differ take every field
    of their row, an emptied one included; mentions not stored yet are inserted for `source`. Rows on the
    suppression list are left out, listed handles in texts replaced (store/suppression.py).

    Returns (updated, inserted). Call inside a transaction."""
    suppress_staged(con, suppressor)
    # Before the update, while the stored language can still be compared with the new one.
    con.execute(query("store/forget_enrichment_of_changed_language"))
    updated = con.execute(query("store/replace_changed_mentions"), {"now": now}).fetchall()[0][0]
    inserted = con.execute(query("store/insert_new_mentions"), {"source": source, "now": now}).fetchall()[0][0]
    return updated, inserted
