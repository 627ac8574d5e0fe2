"""Reading mentions for the metrics out of the database."""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from ..sql import query


def load_mentions(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> pl.DataFrame:
    """Return mentions created in [start, end) with what enrichment derived, as a Polars frame."""
    frame = con.execute(query("marts/mentions_enriched"), {"start": start, "end": end}).pl()
    # DuckDB may label UTC as "Etc/UTC"; Polars compares zones by name, so settle on one.
    return frame.with_columns(pl.col("created_at").dt.convert_time_zone("UTC"))
