"""The 13-month trend: per calendar month, residents' posts by sentiment and the reputation figures
(defined in docs/metrics.md, "Trend over 13 maanden")."""

from __future__ import annotations

from datetime import date

import polars as pl

from .reputation import count_exprs, ratio_exprs

MONTHS = 13


def trend_start(last_day: date, months: int = MONTHS) -> date:
    """The first day of the month `months − 1` months before the month of `last_day`."""
    index = last_day.year * 12 + last_day.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def monthly_sentiment(frame: pl.DataFrame, first_month: date, last_day: date) -> pl.DataFrame:
    """Per month from `first_month` to the month of `last_day` (months without posts included, as zeros):
    month (first day), mentions (all, own included), positive, neutral, negative (residents' posts),
    positive_share, neutral_share, negative_share, net_sentiment and reputation_index (null without posts).
    `frame` holds the mentions with local_day, is_own and sentiment_label."""
    months = pl.DataFrame({"month": pl.date_range(first_month, last_day, "1mo", eager=True)})
    counted = frame.group_by(pl.col("local_day").dt.truncate("1mo").alias("month")).agg(
        mentions=pl.len().cast(pl.Int64), **count_exprs())
    labelled = pl.col("positive") + pl.col("neutral") + pl.col("negative")
    return (
        months.join(counted, on="month", how="left")
        .with_columns(pl.col("mentions", "positive", "neutral", "negative").fill_null(0))
        .with_columns(
            positive_share=pl.when(labelled > 0).then(pl.col("positive") / labelled),
            neutral_share=pl.when(labelled > 0).then(pl.col("neutral") / labelled),
            **ratio_exprs(),
        )
        .sort("month")
    )
