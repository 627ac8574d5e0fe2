"""Synthetic mentions with realistic threads, generated column-wise (no Python loops) for benchmarks."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pyarrow.compute as pc

PLATFORMS = ["facebook", "mastodon", "bluesky", "instagram", "youtube", "reddit", "news"]
THEMES = ["afval", "verkeer", "parkeren", "wonen", "zorg", "veiligheid", "groen", "evenementen"]
LABELS = ["negatief", "neutraal", "positief"]
TEXTS = ["container niet opgehaald", "gat in de weg bij de school", "mooi park, bedankt",
         "wanneer komt de vergunning?", "overlast in de straat", "de bus rijdt niet", "top geregeld",
         "storm en omgevallen bomen", "parkeren is een drama", "waar kan ik dit melden?"]
OWN = "gemeentex"


def _uniform(n: int, seed: int) -> pl.Series:
    return pl.Series(pc.random(n, initializer=seed))


def mentions(rows: int, seed: int = 1, days: int = 365) -> pl.DataFrame:
    """`rows` mentions over `days` days from 1 January 2025, in time order: threads of a root and a few replies; 5% of roots and 25% of
    replies by the own account, which names the resident it answers; half the platforms give no
    conversation_id, so threads must be found through reply chains."""
    threads = int(rows / 1.9)  # about two posts per thread; the tail is cut to exactly `rows`
    k = ((-_uniform(threads, seed).log()) * 1.5).floor().clip(0, 6).cast(pl.Int64)
    roots = pl.DataFrame({
        "thread": pl.int_range(threads, eager=True),
        "k": k,
        "platform_i": (_uniform(threads, seed + 1) * 7).floor().cast(pl.Int64),
        "root_s": (_uniform(threads, seed + 2) * days * 86400).floor().cast(pl.Int64),
        "addressed": _uniform(threads, seed + 3) < 0.3,
    })
    frame = roots.with_columns(pos=pl.int_ranges(0, pl.col("k") + 1)).explode("pos").head(rows)
    n = frame.height
    frame = frame.with_columns(
        u_author=_uniform(n, seed + 4), u_parent=_uniform(n, seed + 5), u_delay=_uniform(n, seed + 6),
        u_label=_uniform(n, seed + 7), u_theme=_uniform(n, seed + 8), u_text=_uniform(n, seed + 9),
        u_follow=_uniform(n, seed + 10),
    )
    start = datetime(2025, 1, 1, tzinfo=UTC)
    own = pl.when(pl.col("pos") == 0).then(pl.col("u_author") < 0.05).otherwise(pl.col("u_author") < 0.25)
    frame = frame.with_columns(
        is_own_gen=own,
        # Minutes after the previous post in the thread: exponential, mean 90.
        delay=pl.when(pl.col("pos") == 0).then(0.0).otherwise(-pl.col("u_delay").log() * 90),
        parent_pos=pl.when(pl.col("pos") == 0).then(None)
        .when(pl.col("u_parent") < 0.7).then(pl.col("pos") - 1).otherwise(0),
    ).with_columns(
        offset=pl.col("delay").cum_sum().over("thread"),
        author=pl.when("is_own_gen").then(pl.lit(OWN))
        .otherwise(pl.lit("user") + (pl.col("u_author") * 400_000).floor().cast(pl.Int64).cast(pl.String)),
    )
    frame = frame.with_columns(
        platform=pl.col("platform_i").replace_strict(dict(enumerate(PLATFORMS)), return_dtype=pl.String),
        id=pl.col("thread").cast(pl.String) + "-" + pl.col("pos").cast(pl.String),
        in_reply_to_id=pl.when(pl.col("parent_pos").is_not_null())
        .then(pl.col("thread").cast(pl.String) + "-" + pl.col("parent_pos").cast(pl.String)),
        created_at=(pl.lit(start) + pl.duration(seconds=pl.col("root_s")) + pl.duration(
            milliseconds=(pl.col("offset") * 60_000).cast(pl.Int64))).dt.cast_time_unit("us"),
    )
    parent_author = frame.select("thread", pl.col("pos").alias("parent_pos"), pl.col("author").alias("parent_author"))
    frame = frame.join(parent_author, on=["thread", "parent_pos"], how="left")
    base = pl.col("u_text").mul(len(TEXTS)).floor().cast(pl.Int64).replace_strict(dict(enumerate(TEXTS)),
                                                                                  return_dtype=pl.String)
    text = (pl.when(pl.col("is_own_gen") & pl.col("parent_author").is_not_null())
            .then(pl.lit("@") + pl.col("parent_author") + " dank voor je bericht")
            .when((pl.col("pos") == 0) & pl.col("addressed")).then(pl.lit(f"@{OWN} ") + base)
            .otherwise(base))
    theme = pl.col("u_theme").mul(len(THEMES)).floor().cast(pl.Int64).replace_strict(dict(enumerate(THEMES)),
                                                                                      return_dtype=pl.String)
    return frame.select(
        "platform", "id", "created_at",
        pl.col("author").alias("author_handle"),
        (pl.col("u_follow").pow(-1 / 1.2) * 35).clip(0, 2_000_000).cast(pl.Int64).alias("author_followers"),
        text.alias("text"),
        pl.lit(None, pl.String).alias("url"),
        "in_reply_to_id",
        pl.when(pl.col("platform_i") >= 4).then(pl.col("thread").cast(pl.String) + "-0").alias("conversation_id"),
        pl.lit("nl").alias("lang"),
        (pl.col("u_follow") * 20).floor().cast(pl.Int64).alias("likes"),
        (pl.col("u_delay") * 3).floor().cast(pl.Int64).alias("reposts"),
        pl.lit(0, pl.Int64).alias("replies"),
        pl.lit(0, pl.Int64).alias("quotes"),
        pl.lit(None, pl.Int64).alias("views"),
        pl.col("u_label").mul(3).floor().cast(pl.Int64).replace_strict(dict(enumerate(LABELS)),
                                                                       return_dtype=pl.String).alias("sentiment_label"),
        pl.lit(0.0).alias("sentiment_score"),
        pl.when(pl.col("u_theme") < 0.6).then(pl.concat_list(theme)).otherwise(pl.lit([], pl.List(pl.String))).alias("themes"),
        pl.lit([], pl.List(pl.String)).alias("woonkernen"),
        pl.lit("nl").alias("language"),
        # Roots that address the municipality ask for a reply (a question or a complaint), as enrichment marks them.
        ((pl.col("pos") == 0) & pl.col("addressed")).alias("needs_reply"),
    ).sort("created_at")  # the loader's order
