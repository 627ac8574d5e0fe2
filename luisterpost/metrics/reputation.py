"""Reputation: sentiment shares, Net Sentiment and the reputation index, over residents' posts."""

from __future__ import annotations

import polars as pl

LABELS = {"positief": "positive", "neutraal": "neutral", "negatief": "negative"}


def sentiment_counts(frame: pl.DataFrame) -> dict[str, int]:
    """Positive, neutral and negative counts over residents' (non-own) labelled posts."""
    residents = frame.filter(~pl.col("is_own") & pl.col("sentiment_label").is_not_null())
    counts = dict(residents.group_by("sentiment_label").len().iter_rows())
    return {english: int(counts.get(dutch, 0)) for dutch, english in LABELS.items()}


def reputation_from_counts(positive: int, neutral: int, negative: int) -> dict[str, float | int | None]:
    """Shares, Net Sentiment (pos − neg)/(pos + neg) and reputation index 100·(pos − neg)/(pos + neu + neg)."""
    labelled = positive + neutral + negative
    polar = positive + negative
    return {
        "labelled": labelled,
        "positive": positive, "neutral": neutral, "negative": negative,
        "positive_share": positive / labelled if labelled else None,
        "neutral_share": neutral / labelled if labelled else None,
        "negative_share": negative / labelled if labelled else None,
        "net_sentiment": (positive - negative) / polar if polar else None,
        "reputation_index": 100 * (positive - negative) / labelled if labelled else None,
    }


def reputation(frame: pl.DataFrame) -> dict[str, float | int | None]:
    """Reputation figures over `frame` (mentions with `is_own` and `sentiment_label`)."""
    return reputation_from_counts(**sentiment_counts(frame))


def reputation_exprs() -> dict[str, pl.Expr]:
    """The same figures as aggregation expressions, for series and breakdowns (over residents' posts)."""
    resident = ~pl.col("is_own")
    # Signed counts: unsigned sums would wrap around in pos − neg.
    pos = (resident & (pl.col("sentiment_label") == "positief")).sum().cast(pl.Int64)
    neu = (resident & (pl.col("sentiment_label") == "neutraal")).sum().cast(pl.Int64)
    neg = (resident & (pl.col("sentiment_label") == "negatief")).sum().cast(pl.Int64)
    labelled = pos + neu + neg
    return {
        "negative_share": pl.when(labelled > 0).then(neg / labelled),
        "net_sentiment": pl.when(pos + neg > 0).then((pos - neg) / (pos + neg)),
        "reputation_index": pl.when(labelled > 0).then(100 * (pos - neg) / labelled),
    }
