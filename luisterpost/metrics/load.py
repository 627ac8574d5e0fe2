"""Reading mentions for the metrics out of the database."""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from ..sql import query


def load_mentions(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> pl.DataFrame:
    """Return mentions created in [start, end) with what enrichment derived, as a Polars frame in time order
    (a period is then a slice of rows; mentions at the same time in the order they were stored)."""
    frame = con.execute(query("marts/mentions_enriched"), {"start": start, "end": end}).pl()
    # Stored mostly in the order they were written, which is mostly time order: sorting in the database
    # would sort every row, texts and all, each time. Only a frame out of order is sorted, here.
    if not frame["created_at"].is_sorted():
        frame = frame.sort("created_at", maintain_order=True)
    # DuckDB may label UTC as "Etc/UTC"; Polars compares zones by name, so settle on one.
    return frame.with_columns(pl.col("created_at").dt.convert_time_zone("UTC"))
