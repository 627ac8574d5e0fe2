"""Metric snapshots: the headline figures per month, stored after each harvest."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb

from ..config import Config
from .period import Period
from .summary import summarise


def store_snapshots(con: duckdb.DuckDBPyConnection, config: Config, now: datetime | None = None) -> list[str]:
    """Compute and store the figures for the current month so far and the previous month; return their labels."""
    now = now or datetime.now(UTC)
    today = now.astimezone(config.municipality.tz).date()
    current = Period.month(today.year, today.month, config.municipality.tz)
    labels = []
    for period in (current.previous_month(), current):
        summary = summarise(con, config, period)
        figures = {
            "mentions": summary.mentions, "resident_mentions": summary.resident_mentions,
            "share_negative": summary.share_negative, "cases": summary.cases, "answered": summary.answered,
            "response_rate": summary.response_rate, "median_response_minutes": summary.median_response_minutes,
        }
        con.execute("INSERT INTO metric_snapshots VALUES (?, ?, ?)", [now, period.label, json.dumps(figures)])
        labels.append(period.label)
    return labels
