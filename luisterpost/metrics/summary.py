"""The month's headline figures for the first report (defined in docs/metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import duckdb
import polars as pl

from ..config import Config
from .compute import LOOKBACK, Filters, Settings, cases_within, headline_of, in_period_frame, prepare, settings_of
from .load import load_mentions
from .period import Period
from .volume import per_day

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
    daily: pl.DataFrame  # day, mentions (all), negative (residents' negative posts)


def summarise(con: duckdb.DuckDBPyConnection, config: Config, period: Period) -> MonthSummary:
    """Compute the headline figures for `period` from the database."""
    settings = settings_of(config)
    frame = load_mentions(con, period.start - LOOKBACK, period.end + timedelta(hours=settings.window_hours))
    return summarise_frame(frame, settings, period)


def summarise_frame(frame: pl.DataFrame, settings: Settings, period: Period) -> MonthSummary:
    """The pure part of `summarise`: figures for `period` from a frame of mentions around it."""
    marked, timed = prepare(frame, settings)
    in_period = in_period_frame(marked, period, Filters())
    figures = headline_of(in_period, cases_within(marked, timed, period, Filters()))
    response = figures["response"]
    return MonthSummary(
        period=period,
        mentions=figures["mentions"],
        resident_mentions=figures["mentions"] - figures["own_posts"],
        share_negative=figures["negative_share"],
        cases=response["cases"],
        answered=response["answered"],
        response_rate=response["rate"],
        median_response_minutes=response["first_response_minutes"]["median"],
        # Own posts count as mentions but never as sentiment (docs/metrics.md, "Berichten van inwoners").
        daily=per_day(in_period, period.first_day, period.last_day),
    )
