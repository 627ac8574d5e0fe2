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


def count_exprs() -> dict[str, pl.Expr]:
    """Residents' positive, neutral and negative posts, as aggregations (signed, so differences never wrap)."""
    resident = ~pl.col("is_own")
    return {name: (resident & (pl.col("sentiment_label") == label)).sum().cast(pl.Int64)
            for name, label in (("positive", "positief"), ("neutral", "neutraal"), ("negative", "negatief"))}


def ratio_exprs() -> dict[str, pl.Expr]:
    """Negative share, Net Sentiment and reputation index from `positive`, `neutral` and `negative` columns."""
    pos, neu, neg = pl.col("positive"), pl.col("neutral"), pl.col("negative")
    labelled = pos + neu + neg
    return {
        "negative_share": pl.when(labelled > 0).then(neg / labelled),
        "net_sentiment": pl.when(pos + neg > 0).then((pos - neg) / (pos + neg)),
        "reputation_index": pl.when(labelled > 0).then(100 * (pos - neg) / labelled),
    }
