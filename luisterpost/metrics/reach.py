"""Reach and engagement, top posts and top authors."""

from __future__ import annotations

import polars as pl

from .webcare import author_names

# Share of an author's followers assumed to see a post when the platform reports no views.
IMPRESSION_FACTOR = 0.1

ENGAGEMENT = pl.sum_horizontal(pl.col("likes").fill_null(0), pl.col("reposts").fill_null(0),
                               pl.col("replies").fill_null(0), pl.col("quotes").fill_null(0))
IMPRESSIONS = pl.when(pl.col("views").is_not_null()).then(pl.col("views").cast(pl.Float64)).otherwise(
    pl.col("author_followers").fill_null(0) * IMPRESSION_FACTOR)


def author_stats(frame: pl.DataFrame) -> pl.DataFrame:
    """Per author (author_key): mentions, highest followers, own account or not, and negative posts
    (numbers only: the rest is looked up for the few authors shown, see `top_authors`)."""
    return frame.group_by("author_key").agg(mentions=pl.len(), followers=pl.col("author_followers").max(),
                                            is_own=pl.col("is_own").first(),
                                            negative=(pl.col("sentiment_label") == "negatief").sum())


AUTHOR_GROUPS = ("own", "public", "residents")


def author_groups(authors: pl.DataFrame, public_followers: int) -> pl.DataFrame:
    """Authors (`author_stats`) by group, in AUTHOR_GROUPS order: own accounts, public accounts (not own, at
    least `public_followers` followers: media, public figures) and residents (everyone else), with
    authors, mentions and negative posts each. Residents are only ever counted as a group (AVG)."""
    group = (pl.when(pl.col("is_own")).then(pl.lit("own"))
             .when(pl.col("followers").fill_null(0) >= public_followers).then(pl.lit("public"))
             .otherwise(pl.lit("residents")))
    counted = authors.group_by(group.alias("group")).agg(
        authors=pl.len().cast(pl.Int64), mentions=pl.col("mentions").sum().cast(pl.Int64),
        negative=pl.col("negative").sum().cast(pl.Int64))
    return pl.DataFrame({"group": list(AUTHOR_GROUPS)}).join(counted, on="group", how="left").fill_null(0)


def reach(frame: pl.DataFrame, authors: pl.DataFrame | None = None) -> dict[str, object]:
    """Potential reach (over mentions and over unique authors), engagement and earned impressions.
    `authors` is `author_stats(frame)` when the caller has it already. A figure none of whose inputs any
    mention carries (an export without follower or interaction columns) is None: unknown, not 0."""
    if frame.is_empty():
        return {"potential_reach": 0, "unique_author_reach": 0, "engagement": 0, "earned_impressions": 0.0}
    if authors is None:
        authors = author_stats(frame)
    known = frame.select(
        followers=pl.col("author_followers").is_not_null().any(),
        interactions=pl.any_horizontal(pl.col(c).is_not_null().any() for c in ("likes", "reposts", "replies", "quotes")),
        views=pl.col("views").is_not_null().any()).row(0, named=True)
    return {
        "potential_reach": int(frame["author_followers"].fill_null(0).sum()) if known["followers"] else None,
        "unique_author_reach": int(authors["followers"].fill_null(0).sum()) if known["followers"] else None,
        "engagement": int(frame.select(ENGAGEMENT).to_series().sum()) if known["interactions"] else None,
        "earned_impressions": (round(float(frame.select(IMPRESSIONS).to_series().sum()), 1)
                               if known["followers"] or known["views"] else None),
    }


def top_posts(frame: pl.DataFrame, by: str, n: int = 10) -> pl.DataFrame:
    """The `n` posts with the most `by` ("reach" = author followers, or "engagement"), most first, with
    all of `frame`'s columns plus `reach` and `engagement`."""
    measure = {"reach": pl.col("author_followers").fill_null(0), "engagement": ENGAGEMENT}
    # Ranked on three narrow columns, then only the winners are taken whole (ranking every column of
    # every post costs far more). Ties go to the earlier post.
    ranked = frame.select(measure[by].alias("value"), "created_at").with_row_index("row")
    if ranked.height > n:
        # Only posts at least as high as the n-th highest value can make it; ties are settled among those.
        threshold = ranked["value"].top_k(n).min()
        ranked = ranked.filter(pl.col("value") >= threshold)
    rows = ranked.top_k(n, by=["value", "created_at"], reverse=[False, True])["row"]
    return frame[rows].with_columns(reach=measure["reach"], engagement=ENGAGEMENT).sort(
        [by, "created_at"], descending=[True, False])


def top_authors(authors: pl.DataFrame, frame: pl.DataFrame, marked: pl.DataFrame, n: int = 10,
                public_followers: int = 10_000) -> pl.DataFrame:
    """The `n` own or public accounts (from `author_stats` over `frame`, a period frame with `row`; public:
    at least `public_followers` followers) with the most mentions, then followers, with their engagement,
    own flag and negative posts in `frame`, and platform and handle from `marked`. Residents are never
    ranked per person (AVG): `author_groups` counts them as a group.
    Equal authors are ordered by key, so the choice is stable."""
    authors = authors.filter(pl.col("is_own") | (pl.col("followers").fill_null(0) >= public_followers))
    if authors.height > n:
        # Only authors with at least the n-th highest count can make it.
        authors = authors.filter(pl.col("mentions") >= authors["mentions"].top_k(n).min())
    top = authors.top_k(n, by=["mentions", "followers", "author_key"], reverse=[False, False, True])
    # The chosen authors' posts by row: gathering a few rows beats filtering every column.
    rows = frame.select(pl.col("author_key").is_in(top["author_key"].implode())).to_series().arg_true()
    posts = frame.select("author_key", "row", "likes", "reposts", "replies", "quotes", "is_own", "sentiment_label")[rows]
    per_author = posts.group_by("author_key").agg(
        engagement=ENGAGEMENT.sum(), is_own=pl.col("is_own").first(),
        negative=(pl.col("sentiment_label") == "negatief").sum(), row=pl.col("row").first())
    named = per_author.with_columns(platform=marked["platform"].gather(per_author["row"]),
                                    author=author_names(marked, per_author["row"]))
    return (
        top.join(named, on="author_key", how="left")
        .sort(["mentions", "followers", "author"], descending=[True, True, False], nulls_last=True)
        .select("platform", "author", "mentions", "followers", "engagement", "is_own", "negative")
    )
