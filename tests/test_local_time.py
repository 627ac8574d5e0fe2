"""Local wall-clock times per offset change agree with converting each instant, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import polars as pl
import pytest

from luisterpost.metrics.local_time import wall_clock


def instants(*texts: str | None) -> pl.Series:
    return pl.Series("t", [datetime.fromisoformat(t).replace(tzinfo=UTC) if t else None for t in texts],
                     dtype=pl.Datetime("us", "UTC"))


def test_amsterdam_around_both_dst_changes():
    times = instants("2026-03-29T00:59:59", "2026-03-29T01:00:00", "2026-10-25T00:59:59", "2026-10-25T01:00:00", None)
    assert wall_clock(times, "Europe/Amsterdam").to_list() == [
        datetime(2026, 3, 29, 1, 59, 59), datetime(2026, 3, 29, 3, 0),  # 02:00 local does not exist
        datetime(2026, 10, 25, 2, 59, 59), datetime(2026, 10, 25, 2, 0),  # 02:00-03:00 local happens twice
        None,
    ]


@pytest.mark.parametrize("tz", ["Europe/Amsterdam", "Asia/Kolkata", "Australia/Lord_Howe", "America/St_Johns"])
def test_agrees_with_per_instant_conversion_over_two_years(tz):
    # The instants come out of a real DuckDB, as the metrics get them.
    times = duckdb.sql("SELECT t FROM range(TIMESTAMPTZ '2025-01-01 00:00:00+00', TIMESTAMPTZ '2027-01-01 00:00:00+00', "
                       "INTERVAL 7 MINUTE) AS r(t)").pl()["t"].dt.convert_time_zone("UTC")
    expected = times.dt.convert_time_zone(tz).dt.replace_time_zone(None)
    assert (wall_clock(times, tz) == expected).all()


def test_nothing_in_nothing_out():
    assert wall_clock(instants(None, None), "Europe/Amsterdam").to_list() == [None, None]
