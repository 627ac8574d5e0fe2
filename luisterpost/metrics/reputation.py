"""Reputation: sentiment shares, Net Sentiment and the reputation index, over residents' posts."""

from __future__ import annotations

import polars as pl

LABELS = {"positief": "positive", "neutraal": "neutral", "negatief": "negative"}


def sentiment_counts(frame: pl.DataFrame) -> dict[str, int]:
    """Positive, neutral and negative counts over residents' (non-own) labelled posts."""
    # Counted as sums over the whole frame: filtering first would copy every column.
    counts = frame.select(**count_exprs()).row(0, named=True) if frame.height else {}
    return {english: int(counts.get(english) or 0) for english in LABELS.values()}


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
