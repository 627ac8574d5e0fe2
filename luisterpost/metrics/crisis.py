"""The figures of a crisis brief: what happened in a window of hours, hour by hour, against the 7 days before.

Plain functions on frames of mentions as `compute.prepare` marks them (`platform`, `created_at`, `is_own`,
`sentiment_label`, `themes`, `woonkernen`, `text`, `parent_row`, the interaction counts); every definition is
in docs/metrics.md, "Crisisbrief". Posts by others than the municipality ("residents' posts", as everywhere in
the metrics) make the volume and sentiment; the municipality's own posts are shown apart."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from datetime import datetime, timedelta

import polars as pl

from .local_time import wall_clock
from .reach import ENGAGEMENT
from .reputation import reputation_from_counts

BASELINE = timedelta(days=7)  # "usual" is the 7 days just before the window
MAX_WINDOW = timedelta(days=14)
SHINGLE = 3  # words per shingle when near-identical posts are grouped
SIMILAR = 0.6  # Jaccard similarity of the shingle sets from which two posts count as near-identical
BANDS, ROWS = 10, 2  # minhash: 20 hashes in 10 bands of 2 find pairs of similarity 0.6 with ~99% chance
MIN_WORDS = 4  # shorter posts ("Oké, bedankt") are never grouped: many say the same without being a rumour


def hourly(frame: pl.DataFrame, start: datetime, end: datetime, tz: str) -> pl.DataFrame:
    """Per local hour of [start, end) and platform: `posts` (residents' posts), `negative`, `positive`,
    and per hour over all platforms `negative_share` (negative / labelled, None without posts) — every hour
    of the window, hours without posts as 0. Columns: hour (local, naive), platform, posts, negative,
    positive, negative_share (the hour's share over all platforms, repeated on each platform's row)."""
    hours = pl.datetime_range(start, end - timedelta(microseconds=1), "1h", time_zone="UTC", eager=True)
    local_hours = wall_clock(hours.dt.truncate("1h"), tz).dt.cast_time_unit("us").alias("hour")
    residents = frame.filter(~pl.col("is_own"))
    platforms = sorted(residents["platform"].cast(pl.String).unique().to_list())
    counted = residents.with_columns(hour=wall_clock(residents["created_at"], tz).dt.truncate("1h").dt.cast_time_unit("us"),
                                     platform=pl.col("platform").cast(pl.String)).group_by("hour", "platform").agg(
        posts=pl.len().cast(pl.Int64),
        negative=(pl.col("sentiment_label") == "negatief").sum().cast(pl.Int64),
        positive=(pl.col("sentiment_label") == "positief").sum().cast(pl.Int64),
        labelled=pl.col("sentiment_label").is_not_null().sum().cast(pl.Int64))
    grid = pl.DataFrame({"hour": local_hours.unique(maintain_order=True)}).join(
        pl.DataFrame({"platform": platforms}, schema={"platform": pl.String}), how="cross")
    full = grid.join(counted, on=["hour", "platform"], how="left").fill_null(0)
    share = full.group_by("hour").agg(neg=pl.col("negative").sum(), lab=pl.col("labelled").sum()).select(
        "hour", negative_share=pl.when(pl.col("lab") > 0).then(pl.col("neg") / pl.col("lab")))
    return full.join(share, on="hour", how="left").sort("hour", "platform").select(
        "hour", "platform", "posts", "negative", "positive", "negative_share")


def feeling(window: pl.DataFrame, before: pl.DataFrame) -> dict[str, float | int | None]:
    """Residents' sentiment in the window against the 7 days before: posts, negative_share and
    net_sentiment of each, and net_change (window − before; None when either has no polar posts)."""
    def counted(frame: pl.DataFrame) -> dict[str, float | int | None]:
        residents = frame.filter(~pl.col("is_own"))
        labels = residents["sentiment_label"].cast(pl.String)
        figures = reputation_from_counts(positive=int((labels == "positief").sum()),
                                         neutral=int((labels == "neutraal").sum()),
                                         negative=int((labels == "negatief").sum()))
        return {"posts": residents.height, "negative_share": figures["negative_share"],
                "net_sentiment": figures["net_sentiment"]}

    now, earlier = counted(window), counted(before)
    change = (None if now["net_sentiment"] is None or earlier["net_sentiment"] is None
              else now["net_sentiment"] - earlier["net_sentiment"])
    return {"posts": now["posts"], "negative_share": now["negative_share"], "net_sentiment": now["net_sentiment"],
            "before_posts": earlier["posts"], "before_negative_share": earlier["negative_share"],
            "before_net_sentiment": earlier["net_sentiment"], "net_change": change}


def against_usual(window: pl.DataFrame, before: pl.DataFrame, column: str, window_hours: float,
                  before_hours: float) -> list[dict[str, object]]:
    """Per name in the list column `column` (woonkernen or themes) of residents' posts: `posts` in the
    window, `usual` (posts in the 7 days before, scaled to the window's length: before × window_hours /
    before_hours) and `factor` (posts / usual; None when usual is 0: new). Names with posts in the window
    only, the most posts first (ties by name)."""
    def per_name(frame: pl.DataFrame) -> dict[str, int]:
        residents = frame.filter(~pl.col("is_own")).select(pl.col(column).explode(empty_as_null=False).alias("name")).drop_nulls()
        return {name: n for name, n in residents.group_by("name").len().iter_rows()}

    now, earlier = per_name(window), per_name(before)
    scale = window_hours / before_hours if before_hours else 0.0
    rows = []
    for name, posts in sorted(now.items(), key=lambda kv: (-kv[1], kv[0])):
        usual = earlier.get(name, 0) * scale
        rows.append({"name": name, "posts": posts, "usual": usual, "factor": posts / usual if usual else None})
    return rows


_URL = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\S+")
_HANDLE = re.compile(r"(?<!\w)(?:@[\w.\-@]+|/?u/[\w\-]+|inwoner-[0-9a-f]{8})")
_NOT_WORD = re.compile(r"[^\w]+")


def normalised(text: str | None) -> str:
    """A post's text as the grouping compares it: lower case, without links, e-mail addresses, handles and
    pseudonyms, with every run of punctuation and spaces as one space."""
    text = _HANDLE.sub(" ", _URL.sub(" ", (text or "").lower()))
    return _NOT_WORD.sub(" ", text).strip()


def _shingles(words: list[str]) -> set[str]:
    if len(words) < SHINGLE:
        return {" ".join(words)}
    return {" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def _signature(shingles: Iterable[str]) -> list[int]:
    # crc32 with a per-hash prefix: the same signature in every run (Python's hash() is salted per process).
    encoded = [s.encode() for s in shingles]
    return [min(zlib.crc32(s, seed * 0x9E3779B1 & 0xFFFFFFFF) for s in encoded) for seed in range(BANDS * ROWS)]


def near_duplicates(texts: list[str]) -> list[int]:
    """For each text the index of the first text of its group of near-identical texts (itself when alone):
    equal after `normalised`, or word-3-gram sets with Jaccard similarity ≥ SIMILAR (found through minhash
    bands, every candidate pair checked exactly). Texts of fewer than MIN_WORDS words stay alone: many residents
    write "Sterkte!" or "Dank je" without repeating a story."""
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: int, b: int) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    words = [normalised(t).split() for t in texts]
    first_of: dict[str, int] = {}
    for i, w in enumerate(words):
        if len(w) < MIN_WORDS:
            continue
        j = first_of.setdefault(" ".join(w), i)
        if j != i:
            join(j, i)
    # Near-identical: one representative per distinct text, minhash bands for candidates.
    distinct = [i for i, w in enumerate(words) if len(w) >= MIN_WORDS and first_of[" ".join(w)] == i]
    sets = {i: _shingles(words[i]) for i in distinct}
    buckets: dict[tuple[int, tuple[int, ...]], list[int]] = {}
    for i in distinct:
        signature = _signature(sets[i])
        for band in range(BANDS):
            buckets.setdefault((band, tuple(signature[band * ROWS:(band + 1) * ROWS])), []).append(i)
    checked: set[tuple[int, int]] = set()
    for members in buckets.values():
        for a_pos, a in enumerate(members):
            for b in members[a_pos + 1:]:
                if (a, b) in checked:
                    continue
                checked.add((a, b))
                union = len(sets[a] | sets[b])
                if union and len(sets[a] & sets[b]) / union >= SIMILAR:
                    join(a, b)
    return [root(i) for i in range(len(texts))]


def rumours(window: pl.DataFrame, min_posts: int = 3, min_authors: int = 2, n: int = 8) -> pl.DataFrame:
    """Groups of near-identical residents' posts (`near_duplicates` on `text`) with at least `min_posts` posts
    by at least `min_authors` authors (one account repeating itself is no rumour): posts, authors, first
    (the earliest post's time) and `row` (that post's row in `window`, for its masked text). The `n` largest,
    ties the earliest first."""
    schema = {"posts": pl.Int64, "authors": pl.Int64, "first": pl.Datetime("us", "UTC"), "row": pl.UInt32}
    residents = window.with_row_index("row").filter(~pl.col("is_own"))
    if residents.is_empty():
        return pl.DataFrame(schema=schema)
    grouped = residents.with_columns(group=pl.Series(near_duplicates(residents["text"].to_list()), dtype=pl.Int64))
    found = grouped.sort("created_at", maintain_order=True).group_by("group", maintain_order=True).agg(
        posts=pl.len().cast(pl.Int64), authors=pl.col("author_key").n_unique().cast(pl.Int64),
        first=pl.col("created_at").first(), row=pl.col("row").first())
    found = found.filter((pl.col("posts") >= min_posts) & (pl.col("authors") >= min_authors))
    return found.sort(["posts", "first"], descending=[True, False]).head(n).select(list(schema)).cast(schema)


def most_shared(window: pl.DataFrame, n: int = 5) -> pl.DataFrame:
    """The `n` residents' posts with the most engagement (likes + reposts + replies + quotes), ties the
    earlier first; only posts with any engagement. Rows of `window` with `engagement` added."""
    residents = window.filter(~pl.col("is_own")).with_columns(engagement=ENGAGEMENT)
    return residents.filter(pl.col("engagement") > 0).sort(["engagement", "created_at"],
                                                           descending=[True, False]).head(n)


def own_posts(frame: pl.DataFrame, start: datetime, end: datetime) -> tuple[pl.DataFrame, dict[str, int | float | None]]:
    """The municipality's own posts created in [start, end) that are not replies (what it announced), each
    with `reactions` (residents' direct replies to it in `frame`), `reactions_negative`,
    `reactions_positive`; and the totals: posts (all own posts in the window), announcements (those not
    replies), answers (own replies), reactions, negative_share and net_sentiment of the reactions.
    `frame` holds mentions in time order with `parent_row` pointing into it (compute.prepare)."""
    indexed = frame.with_row_index("row")
    in_window = (pl.col("created_at") >= start) & (pl.col("created_at") < end)
    own = indexed.filter(in_window & pl.col("is_own"))
    reactions = indexed.filter(~pl.col("is_own") & pl.col("parent_row").is_not_null()).join(
        own.select(pl.col("row").alias("parent_row")), on="parent_row", how="semi")
    labels = reactions["sentiment_label"].cast(pl.String)
    per_post = reactions.group_by("parent_row").agg(
        reactions=pl.len().cast(pl.Int64),
        reactions_negative=(pl.col("sentiment_label") == "negatief").sum().cast(pl.Int64),
        reactions_positive=(pl.col("sentiment_label") == "positief").sum().cast(pl.Int64))
    announced = own.filter(~pl.col("is_reply")).join(
        per_post.rename({"parent_row": "row"}), on="row", how="left").with_columns(
        pl.col("reactions", "reactions_negative", "reactions_positive").fill_null(0))
    figures = reputation_from_counts(positive=int((labels == "positief").sum()),
                                     neutral=int((labels == "neutraal").sum()),
                                     negative=int((labels == "negatief").sum()))
    totals = {"posts": own.height, "announcements": announced.height, "answers": own.height - announced.height,
              "reactions": reactions.height, "negative_share": figures["negative_share"],
              "net_sentiment": figures["net_sentiment"]}
    return announced, totals


def open_cases(timed: pl.DataFrame, start: datetime, end: datetime) -> pl.DataFrame:
    """The webcare cases (compute.prepare's `timed`) that started in [start, end) and had no answer from the
    municipality by `end`, oldest first: platform, started_at, first_row, needs_reply."""
    started = (pl.col("started_at") >= start) & (pl.col("started_at") < end)
    unanswered = ~pl.col("answered") | (pl.col("responded_at") >= end)
    return timed.filter(started & unanswered).sort("started_at", maintain_order=True).select(
        pl.col("platform").cast(pl.String), "started_at", "first_row", "needs_reply")
