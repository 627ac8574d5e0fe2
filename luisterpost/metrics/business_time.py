"""Elapsed office time between two instants, vectorised: only minutes inside office hours count."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from ..schedule import BusinessCalendar, open_intervals


def opening_table(calendar: BusinessCalendar, start: pl.Series, end: pl.Series) -> pl.DataFrame:
    """The calendar's open intervals covering all of `start` and `end`, with the open minutes before each.

    Columns: open_at, close_at (UTC), open_before (minutes of office time from the first interval)."""
    times = pl.concat([start.drop_nulls(), end.drop_nulls()])
    if times.is_empty():
        return pl.DataFrame(schema={"open_at": pl.Datetime("us", "UTC"), "close_at": pl.Datetime("us", "UTC"),
                                    "open_before": pl.Float64})
    first = times.min().astimezone(calendar.tz).date() - timedelta(days=1)
    last = times.max().astimezone(calendar.tz).date() + timedelta(days=1)
    intervals = open_intervals(calendar, first, last)
    frame = pl.DataFrame(
        {"open_at": [s for s, _ in intervals], "close_at": [e for _, e in intervals]},
        schema={"open_at": pl.Datetime("us", "UTC"), "close_at": pl.Datetime("us", "UTC")},
    )
    length = (pl.col("close_at") - pl.col("open_at")).dt.total_microseconds() / 60e6
    return frame.with_columns(open_before=length.cum_sum().shift(1, fill_value=0.0))


def _interval_at(times: pl.Series, table: pl.DataFrame) -> tuple[pl.Series, pl.DataFrame]:
    """The UTC instants of `times`, and per time the table's last interval that opened at or before it
    (a row of nulls before the first opening, or where the time is null)."""
    utc = times.dt.convert_time_zone("UTC").dt.cast_time_unit("us")
    # A sorted search per time: no sorting of the times, no as-of join, no join back to their order.
    index = table["open_at"].search_sorted(utc, side="right").cast(pl.Int64) - 1
    index = pl.select(pl.when(utc.is_not_null() & (index >= 0)).then(index)).to_series()
    return utc, table.select(pl.all().gather(index))


def _office_clock(times: pl.Series, table: pl.DataFrame) -> pl.Series:
    """Office minutes from the table's first opening up to each time (null stays null)."""
    utc, at = _interval_at(times, table)
    inside = ((utc - at["open_at"]).dt.total_microseconds() / 60e6).clip(0, None)
    length = (at["close_at"] - at["open_at"]).dt.total_microseconds() / 60e6
    clock = at["open_before"] + pl.select(pl.min_horizontal(inside, length)).to_series()
    # Before the first opening no office time has passed yet.
    return pl.select(pl.when(utc.is_not_null()).then(clock.fill_null(0.0))).to_series()


def office_minutes(calendar: BusinessCalendar, start: pl.Series, end: pl.Series) -> pl.Series:
    """Minutes inside office hours between each start and end (null where either is null)."""
    table = opening_table(calendar, start, end)
    if table.is_empty():
        return pl.Series("office_minutes", [0.0 if s is not None and e is not None else None
                                            for s, e in zip(start, end)], dtype=pl.Float64)
    return (_office_clock(end, table) - _office_clock(start, table)).alias("office_minutes")


def is_open(calendar: BusinessCalendar, times: pl.Series) -> pl.Series:
    """Whether the office is open at each time (false where the time is null)."""
    table = opening_table(calendar, times, times)
    if table.is_empty():
        return pl.Series("open", [False] * len(times), dtype=pl.Boolean)
    utc, at = _interval_at(times, table)
    return (utc < at["close_at"]).fill_null(False).alias("open")
