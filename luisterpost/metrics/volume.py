"""Volume: mentions, unique authors and the share of posts by own accounts."""

from __future__ import annotations

import polars as pl


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


def per_day_change(now: int, days_now: int, before: int | None, days_before: int) -> float | None:
    """The relative change of a count per day, (now / days_now) / (before / days_before) − 1: a running
    period against a whole one. None without a count before (or without days now)."""
    if not before or days_now <= 0:
        return None
    return (now / days_now) / (before / days_before) - 1
