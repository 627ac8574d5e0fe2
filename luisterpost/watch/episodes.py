"""The watch's episodes: residents' posts per hour, overall and per theme and woonkern, against the previous 12
hours and the same hours of the previous 7 days (the hourly rule of metrics.spikes), for both kinds: volume and
negativity. Episodes of one event (overlapping in time, of any kind or scope) are told once (docs/metrics.md,
*Meldingen van de watch*)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from ..config import Spikes
from ..metrics.reach import ENGAGEMENT
from ..metrics.spikes import KINDS, after, episodes, event, flag, merge, rules
from ..metrics.topics import lead_posts, top_terms
from ..metrics.webcare import AUTHOR

# What an hour is compared with: 7 days of the same hour, and the confirmation a week before the episode's start.
HISTORY = timedelta(days=8)
ALL = ("", "")  # the scope of every resident's post


def window(now: datetime, recent_hours: float) -> tuple[datetime, datetime]:
    """The mentions the watch loads at `now`: [start, end), enough for the baselines of every recent hour."""
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return hour - HISTORY - timedelta(hours=recent_hours), hour + timedelta(hours=1)


def scopes(residents: pl.DataFrame) -> list[tuple[str, str]]:
    """Every scope to watch: all residents' posts, then each theme and each woonkern they name."""
    themes = sorted(set(residents["themes"].explode(empty_as_null=False).drop_nulls().to_list()))
    places = sorted(set(residents["woonkernen"].explode(empty_as_null=False).drop_nulls().to_list()))
    return [ALL, *(("theme", t) for t in themes), *(("woonkern", w) for w in places)]


def in_scope(scope: tuple[str, str]) -> pl.Expr:
    """The rows of a scope."""
    kind, name = scope
    if kind == "theme":
        return pl.col("themes").list.contains(name)
    if kind == "woonkern":
        return pl.col("woonkernen").list.contains(name)
    return pl.lit(True)


def hourly(residents: pl.DataFrame, first: datetime, last: datetime, tz: str) -> pl.DataFrame:
    """Posts (volume) and negative posts (negativity) per local hour from `first` to `last`, without gaps."""
    local = pl.col("created_at").dt.convert_time_zone(tz).dt.truncate("1h")
    counts = residents.group_by(local.alias("start")).agg(
        volume=pl.len().cast(pl.Int64), negativity=(pl.col("sentiment_label") == "negatief").sum().cast(pl.Int64))
    grid = pl.datetime_range(first, last, "1h", eager=True, time_zone="UTC").dt.convert_time_zone(tz)
    return (pl.DataFrame({"start": grid}).join(counts.with_columns(pl.col("start").dt.cast_time_unit("us")),
                                               on="start", how="left").fill_null(0))


def found(marked: pl.DataFrame, now: datetime, tz: str, floor: Spikes, recent_hours: float) -> list[dict[str, object]]:
    """Every hourly episode, of both kinds and in every scope, still going at `now` or ended at most
    `recent_hours` before: each with kind, scope, granularity "hour", start, until (exclusive) and the episode's
    peak, factor and severity (metrics.spikes.episodes)."""
    residents = marked.filter(~pl.col("is_own"))
    if residents.is_empty():
        return []
    start, end = window(now, recent_hours)
    first, last = start, end - timedelta(hours=1)
    rule = rules(floor)[1]
    cutoff = now - timedelta(hours=recent_hours)
    result = []
    for scope in scopes(residents):
        table = hourly(residents.filter(in_scope(scope)), first, last, tz)
        for kind in KINDS:
            for episode in episodes(flag(table.select("start", pl.col(kind).alias("count")), rule)):
                until = after(episode["last"], "hour")
                if until > cutoff:
                    result.append({"kind": kind, "scope": scope, "granularity": "hour", **episode, "until": until})
    return result


def events(episodes_found: list[dict[str, object]]) -> list[dict[str, object]]:
    """The events of the episodes found: per event (metrics.spikes.event) its scopes, woonkernen and themes (those
    whose own posts spiked), volume_factor and negativity_factor: peak / baseline of its municipality-wide
    episode of that kind, else the highest of its theme and woonkern episodes of that kind (None: that kind did
    not spike). Most severe first."""
    told = []
    for group in merge(episodes_found):
        spike = event(group)
        factors = {}
        for kind in KINDS:
            of_kind = [e for e in group if e["kind"] == kind]
            widest = [e for e in of_kind if e["scope"] == ALL] or of_kind
            factors[kind] = max((e["factor"] for e in widest), default=None)
        told.append({**spike, "scopes": sorted({e["scope"] for e in group}),
                     "woonkernen": sorted({e["scope"][1] for e in group if e["scope"][0] == "woonkern"}),
                     "themes": sorted({e["scope"][1] for e in group if e["scope"][0] == "theme"}),
                     "volume_factor": factors["volume"], "negativity_factor": factors["negativity"]})
    return sorted(told, key=lambda e: (-e["severity"], e["start"]))


def describe(spike: dict[str, object], marked: pl.DataFrame, exclude: frozenset[str], tz: str,
             leads: int = 3) -> dict[str, object]:
    """`spike` with what residents posted in it, in its scopes (all posts when every post's series spiked):
    posts, negative_posts, negative_share (0–1), platforms (platform → posts, most first), top_terms (against
    the posts of the loaded days before it) and top_posts: the `leads` posts that best carry those terms (negative
    ones when negativity spiked), not yet pseudonymised."""
    zone = ZoneInfo(tz)
    residents = marked.filter(~pl.col("is_own"))
    everywhere = ALL in spike["scopes"]
    where = pl.lit(True) if everywhere else pl.any_horizontal([in_scope(tuple(s)) for s in spike["scopes"]])
    start, until = spike["start"].astimezone(UTC), spike["until"].astimezone(UTC)
    rows = residents.filter(where).with_columns(engagement=ENGAGEMENT,
                                                negative=pl.col("sentiment_label") == "negatief")
    inside = rows.filter((pl.col("created_at") >= start) & (pl.col("created_at") < until)).sort("created_at")
    before = rows.filter(pl.col("created_at") < start)
    negative_only = spike["kinds"] == ["negativity"]
    terms_now, terms_before = (inside.filter("negative"), before.filter("negative")) if negative_only else (inside, before)
    terms = top_terms(terms_now["text"].fill_null("").to_list(), terms_before["text"].fill_null("").to_list(),
                      n=5, exclude=exclude)
    candidates = inside.filter("negative") if "negativity" in spike["kinds"] else inside
    platforms = inside.group_by("platform").len().sort(["len", "platform"], descending=[True, False])
    return {
        **spike, "start_local": spike["start"].astimezone(zone), "posts": inside.height,
        "negative_posts": int(inside["negative"].sum()),
        "negative_share": inside["negative"].mean() if inside.height else 0.0,
        "platforms": {str(p): int(n) for p, n in platforms.iter_rows()},
        "top_terms": terms,
        "top_posts": lead_posts(candidates, terms, leads, exclude).select(
            "platform", "id", "created_at", AUTHOR, "author_followers", "is_own", "text", "engagement"),
    }
