"""Elapsed office time between two instants, vectorised: only minutes inside office hours count."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from ..schedule import BusinessCalendar, open_intervals


def opening_table(calendar: BusinessCalendar, *times: pl.Series) -> pl.DataFrame:
    """The calendar's open intervals covering all of `times`, with the open minutes before each.

    Columns: open_at, close_at (UTC), open_before (minutes of office time from the first interval)."""
    firsts = [t.min() for t in times if t.null_count() < len(t)]
    lasts = [t.max() for t in times if t.null_count() < len(t)]
    if not firsts:
        return pl.DataFrame(schema={"open_at": pl.Datetime("us", "UTC"), "close_at": pl.Datetime("us", "UTC"),
                                    "open_before": pl.Float64})
    first = min(firsts).astimezone(calendar.tz).date() - timedelta(days=1)
    last = max(lasts).astimezone(calendar.tz).date() + timedelta(days=1)
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


def office_clock(table: pl.DataFrame, times: pl.Series) -> pl.Series:
    """Office minutes from the `opening_table`'s first opening up to each time (null stays null): the
    office time between two instants is the difference of their clocks."""
    utc, at = _interval_at(times, table)
    inside = ((utc - at["open_at"]).dt.total_microseconds() / 60e6).clip(0, None)
    length = (at["close_at"] - at["open_at"]).dt.total_microseconds() / 60e6
    clock = at["open_before"] + pl.select(pl.min_horizontal(inside, length)).to_series()
    # Before the first opening (or with no opening at all) no office time has passed yet.
    return pl.select(pl.when(utc.is_not_null()).then(clock.fill_null(0.0))).to_series().alias("office_clock")


def open_at(table: pl.DataFrame, times: pl.Series) -> pl.Series:
    """Whether the office is open at each time, by the `opening_table` (false where the time is null)."""
    utc, at = _interval_at(times, table)
    return (utc < at["close_at"]).fill_null(False).alias("open")


def is_open(calendar: BusinessCalendar, times: pl.Series) -> pl.Series:
    """Whether the office is open at each time (false where the time is null)."""
    return open_at(opening_table(calendar, times), times)
