"""Volume: mentions, unique authors and the share of posts by own accounts."""

from __future__ import annotations

from datetime import date

import polars as pl

from .reputation import count_exprs


def volume(frame: pl.DataFrame) -> dict[str, object]:
    """Figures over `frame` (mentions with `author_key` and `is_own`)."""
    mentions = frame.height
    own = int(frame["is_own"].sum()) if mentions else 0
    return {
        "mentions": mentions,
        "unique_authors": frame["author_key"].n_unique() if mentions else 0,
        "own_posts": own,
        "own_share": own / mentions if mentions else None,
    }


def tagged(in_period: pl.DataFrame, marked: pl.DataFrame, column: str) -> dict[str, int]:
    """How the period's mentions (`in_period`, with their `row` in `marked`) are tagged in `column` (themes or
    woonkernen): mentions, `without` a tag, and `several` with more than one (they count once for each)."""
    tags = marked[column].gather(in_period["row"]).list.len() if in_period.height else pl.Series([], dtype=pl.UInt32)
    return {"mentions": in_period.height, "without": int((tags == 0).sum()), "several": int((tags > 1).sum())}


def per_day_change(now: int, days_now: int, before: int | None, days_before: int) -> float | None:
    """The relative change of a count per day, (now / days_now) / (before / days_before) − 1: a running
    period against a whole one. None without a count before (or without days now)."""
    if not before or days_now <= 0:
        return None
    return (now / days_now) / (before / days_before) - 1


def per_day(in_period: pl.DataFrame, first_day: date, last_day: date) -> pl.DataFrame:
    """Every local day from `first_day` to `last_day` (days without posts as zeros): day, mentions (all, own
    included) and negative (residents' negative posts). `in_period` holds local_day, is_own and
    sentiment_label."""
    days = pl.DataFrame({"day": pl.date_range(first_day, last_day, eager=True)})
    if in_period.is_empty():
        return days.with_columns(mentions=pl.lit(0, pl.UInt32), negative=pl.lit(0, pl.Int64))
    counted = in_period.group_by(pl.col("local_day").alias("day")).agg(
        mentions=pl.len(), negative=count_exprs()["negative"])
    return days.join(counted, on="day", how="left").fill_null(0).sort("day")
