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
