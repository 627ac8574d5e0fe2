"""The month's headline figures for the first report (defined in docs/metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from ..config import Config
from ..sql import query
from .period import Period
from .webcare import cases, mark_own, threads

LOOKBACK = timedelta(days=14)  # threads may have started before the period: load their start too


def load_mentions(con: duckdb.DuckDBPyConnection, start: datetime, end: datetime) -> pl.DataFrame:
    """Return mentions created in [start, end) with their sentiment, as a Polars frame."""
    frame = con.execute(query("marts/mentions_enriched"), {"start": start, "end": end}).pl()
    # DuckDB may label UTC as "Etc/UTC"; Polars compares zones by name, so settle on one.
    return frame.with_columns(pl.col("created_at").dt.convert_time_zone("UTC"))


@dataclass(frozen=True)
class MonthSummary:
    period: Period
    mentions: int
    resident_mentions: int
    share_negative: float | None
    cases: int
    answered: int
    response_rate: float | None
    median_response_minutes: float | None
    daily: pl.DataFrame  # day, mentions, negative


def summarise(con: duckdb.DuckDBPyConnection, config: Config, period: Period) -> MonthSummary:
    """Compute the headline figures for `period` from the database."""
    window = timedelta(hours=config.webcare.conversation_window_hours)
    frame = load_mentions(con, period.start - LOOKBACK, period.end + window)
    return summarise_frame(frame, config.own_handles(), config.webcare.conversation_window_hours, period)


def summarise_frame(
    frame: pl.DataFrame, own_handles: dict[str, set[str]], window_hours: float, period: Period
) -> MonthSummary:
    """The pure part of `summarise`: figures for `period` from a frame of mentions around it."""
    marked = threads(mark_own(frame, own_handles))
    in_period = marked.filter((pl.col("created_at") >= period.start) & (pl.col("created_at") < period.end))
    residents = in_period.filter(~pl.col("is_own"))
    labelled = residents.filter(pl.col("sentiment_label").is_not_null())
    negative = labelled.filter(pl.col("sentiment_label") == "negatief").height
    all_cases = cases(marked, own_handles, window_hours)
    month_cases = all_cases.filter((pl.col("started_at") >= period.start) & (pl.col("started_at") < period.end))
    answered = month_cases.filter("answered")
    daily = (
        in_period.with_columns(day=pl.col("created_at").dt.convert_time_zone(str(period.tz)).dt.date())
        .group_by("day")
        .agg(mentions=pl.len(), negative=(pl.col("sentiment_label") == "negatief").sum())
    )
    days = pl.DataFrame({"day": pl.date_range(period.first_day, period.last_day, eager=True)})
    daily = days.join(daily, on="day", how="left").fill_null(0).sort("day")
    return MonthSummary(
        period=period,
        mentions=in_period.height,
        resident_mentions=residents.height,
        share_negative=negative / labelled.height if labelled.height else None,
        cases=month_cases.height,
        answered=answered.height,
        response_rate=answered.height / month_cases.height if month_cases.height else None,
        median_response_minutes=answered["response_minutes"].median() if answered.height else None,
        daily=daily,
    )
