"""Local wall-clock times for many instants at once, without converting each one through the zone database."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import polars as pl

# Offsets are sampled this often; zones change offset on the hour or half hour.
STEP = "15m"


def offset_changes(times: pl.Series, tz: ZoneInfo | str) -> pl.DataFrame:
    """The instants (UTC) from which each UTC offset of `tz` holds over the span of `times`:
    columns `since` and `offset` (a duration), one row per change, the first covering the earliest time."""
    first, last = times.min(), times.max()
    grid = pl.datetime_range(first - timedelta(days=1), last + timedelta(days=1), STEP, time_zone="UTC",
                             eager=True).dt.truncate(STEP).alias("since")
    local = grid.dt.convert_time_zone(str(tz))
    offsets = pl.DataFrame({"since": grid, "offset": local.dt.base_utc_offset() + local.dt.dst_offset()})
    return offsets.filter((pl.col("offset") != pl.col("offset").shift(1)).fill_null(True))


def wall_clock(times: pl.Series, tz: ZoneInfo | str) -> pl.Series:
    """The local wall-clock time (naive) of each UTC instant in `times` (nulls stay null): what
    `times.dt.convert_time_zone(tz).dt.replace_time_zone(None)` gives, found per offset change
    instead of per instant."""
    utc = times.dt.convert_time_zone("UTC")
    if utc.drop_nulls().is_empty():
        return utc.dt.replace_time_zone(None)
    changes = offset_changes(utc.drop_nulls(), tz)
    # The offset that holds at each instant is the last change at or before it.
    index = changes["since"].search_sorted(utc, side="right").cast(pl.Int64) - 1
    return (utc.dt.replace_time_zone(None) + changes["offset"].gather(index)).alias(times.name)
