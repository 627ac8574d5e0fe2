"""Spikes and crises: residents' posts (volume) and their negative posts (negativity) per day and per hour,
against a robust baseline; the episodes of one event told once, the most severe first.

The rule (docs/metrics.md, *Pieken en crises*): a bucket is anomalous when its count clears the floor
(`Spikes.min_posts_day` / `min_posts_hour`), is at least `min_factor` times the baseline median, and at
least 3 robust standard deviations (1.4826 × MAD, at least √median and at least 1) above that median. The
baseline is the previous 14 days for a day; for an hour the previous 12 hours or, if higher, the same hour
on the previous 7 days. An episode starts only at a bucket that is also more than `confirm_factor` times the
day before (for an hour: the same hour the day before) and the same bucket a week earlier (confirmation);
anomalous buckets right after it extend it. Severity 1–10 = 2·log2(peak / baseline) plus one point per extra
bucket (at most 3), rounded and clamped. Episodes whose times overlap, of either kind and either bucket
size, are one event: its severity is the highest of its episodes', plus one when both kinds spiked."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from ..config import Spikes
from .reach import ENGAGEMENT
from .topics import lead_posts, top_terms
from .webcare import AUTHOR

KINDS = ("volume", "negativity")
TERMS_BASELINE = timedelta(days=14)  # top terms compare with the residents' posts of the 14 days before
# Detection reads this far before the period: 14 baseline days, the week-earlier confirmation, and room
# for an episode that starts before the period and overlaps one inside it.
MARGIN = timedelta(days=28)


@dataclass(frozen=True)
class Rule:
    every: str  # "1d" or "1h"
    baseline: int  # buckets in the baseline window
    day: int  # buckets in a day; confirmation compares with the bucket this far back (1 for days)
    week: int  # buckets in a week (confirmation, and for hours the same hour on earlier days)
    min_count: int
    min_factor: float
    confirm_factor: float

    @property
    def granularity(self) -> str:
        return "day" if self.every == "1d" else "hour"


def rules(floor: Spikes) -> tuple[Rule, Rule]:
    """The daily and the hourly rule under `floor`."""
    return (Rule("1d", 14, 1, 7, floor.min_posts_day, floor.min_factor, floor.confirm_factor),
            Rule("1h", 12, 24, 168, floor.min_posts_hour, floor.min_factor, floor.confirm_factor))


DAILY, HOURLY = rules(Spikes())


def _robust(window: list[float]) -> tuple[float, float]:
    median = statistics.median(window)
    mad = statistics.median(abs(x - median) for x in window)
    return median, max(1.4826 * mad, math.sqrt(median), 1.0)


def flag(counts: pl.DataFrame, rule: Rule) -> pl.DataFrame:
    """Add baseline, spread, z and anomalous/confirmed flags to a gap-free series of `count` per `start`."""
    values = counts["count"].to_list()
    baseline, spread = [], []
    for i in range(len(values)):
        window = values[max(0, i - rule.baseline):i]
        if len(window) < rule.baseline:
            baseline.append(None)
            spread.append(None)
            continue
        m, s = _robust(window)
        if rule.day > 1:
            # Hours follow the day: the same hour on the previous seven days is a baseline too, so the
            # morning rise after a quiet night is not a spike. The higher baseline counts.
            same_hour = values[max(0, i - rule.week):i][::-1][rule.day - 1::rule.day]
            if len(same_hour) >= 7:
                m2, s2 = _robust(same_hour)
                if m2 > m:
                    m, s = m2, s2
        baseline.append(m)
        spread.append(s)
    frame = counts.with_columns(baseline=pl.Series(baseline, dtype=pl.Float64), spread=pl.Series(spread, dtype=pl.Float64))
    z = (pl.col("count") - pl.col("baseline")) / pl.col("spread")
    confirm = rule.confirm_factor
    return frame.with_columns(z=z).with_columns(
        anomalous=((pl.col("count") >= rule.min_count) & (pl.col("count") >= rule.min_factor * pl.col("baseline"))
                   & (pl.col("z") >= 3)).fill_null(False),
        confirmed=((pl.col("count") > confirm * pl.col("count").shift(rule.day).fill_null(0))
                   & (pl.col("count") > confirm * pl.col("count").shift(rule.week).fill_null(0))),
    )


def episodes(flagged: pl.DataFrame) -> list[dict[str, object]]:
    """Group anomalous buckets into episodes: a confirmed start, extended by the anomalous buckets after it.
    Each: start and last (the first and last bucket's start), peak, peak_count, baseline (at the start),
    factor (peak_count / baseline, at least 1), buckets, severity."""
    found: list[dict[str, object]] = []
    current: list[dict[str, object]] | None = None
    for bucket in flagged.iter_rows(named=True):
        if current is not None and bucket["anomalous"]:
            current.append(bucket)
            continue
        if current is not None:
            found.append(_summarise(current))
            current = None
        if bucket["anomalous"] and bucket["confirmed"]:
            current = [bucket]
    if current is not None:
        found.append(_summarise(current))
    return found


def _summarise(buckets: list[dict[str, object]]) -> dict[str, object]:
    peak = max(buckets, key=lambda b: b["count"])
    base = max(buckets[0]["baseline"], 1.0)
    severity = 2 * math.log2(peak["count"] / base) + min(len(buckets) - 1, 3)
    return {
        "start": buckets[0]["start"], "last": buckets[-1]["start"], "peak": peak["start"],
        "peak_count": peak["count"], "baseline": buckets[0]["baseline"], "factor": peak["count"] / base,
        "buckets": len(buckets), "severity": int(min(10, max(1, round(severity)))),
    }


def after(bucket: datetime, granularity: str) -> datetime:
    """The start of the bucket after `bucket` (a local time): the next local midnight, or an hour later
    (counted in UTC, so the repeated hour of the autumn clock change is an hour too)."""
    if granularity == "day":
        return datetime.combine(bucket.date() + timedelta(days=1), bucket.time(), bucket.tzinfo)
    return (bucket.astimezone(UTC) + timedelta(hours=1)).astimezone(bucket.tzinfo)


def merge(found: list[dict[str, object]]) -> list[list[dict[str, object]]]:
    """Episodes (with `start` and `until`) grouped into events: each group's episodes overlap in time, one
    after another; groups in time order."""
    groups: list[list[dict[str, object]]] = []
    until = None
    for episode in sorted(found, key=lambda e: (e["start"], e["until"])):
        if groups and episode["start"] < until:
            groups[-1].append(episode)
            until = max(until, episode["until"])
        else:
            groups.append([episode])
            until = episode["until"]
    return groups


def _told(group: list[dict[str, object]], kind: str, granularity: str) -> dict[str, object] | None:
    """The episode of `kind` that tells an event: one of the event's bucket size first, then the most severe."""
    of_kind = [e for e in group if e["kind"] == kind]
    if not of_kind:
        return None
    best = max(of_kind, key=lambda e: (e["granularity"] == granularity, e["severity"], e["peak_count"]))
    return {k: best[k] for k in ("granularity", "start", "until", "peak", "peak_count", "baseline", "factor",
                                 "buckets", "severity")}


def event(group: list[dict[str, object]]) -> dict[str, object]:
    """One event from overlapping episodes: start, until (exclusive), granularity ("day" when a day
    episode is part of it), kinds, severity, and per kind the episode that tells it (or None). Severity is
    the highest of the episodes', one point more (at most 10) when both volume and negativity spiked: many
    residents who are also angry."""
    granularity = "day" if any(e["granularity"] == "day" for e in group) else "hour"
    told = {kind: _told(group, kind, granularity) for kind in KINDS}
    kinds = [k for k in KINDS if told[k]]
    severity = min(10, max(e["severity"] for e in group) + (len(kinds) == len(KINDS)))
    return {"start": min(e["start"] for e in group), "until": max(e["until"] for e in group),
            "granularity": granularity, "kinds": kinds, "severity": severity, **told}


def found_episodes(hourly: pl.DataFrame, tz: str, floor: Spikes) -> list[dict[str, object]]:
    """Every episode of both kinds in a series of residents' `volume` and `negativity` per local hour
    (`start`), daily and hourly, each with kind, granularity and until."""
    first, last = hourly["start"].min(), hourly["start"].max()
    found = []
    for rule in rules(floor):
        bucket = pl.col("start").dt.truncate(rule.every)
        grid = pl.datetime_range(first, last, rule.every, eager=True, time_zone=tz).dt.truncate(rule.every)
        counts = hourly.group_by(bucket).agg(pl.col(*KINDS).sum())
        table = pl.DataFrame({"start": grid}).unique().sort("start").join(counts, on="start", how="left").fill_null(0)
        for kind in KINDS:
            for episode in episodes(flag(table.select("start", pl.col(kind).cast(pl.Int64).alias("count")), rule)):
                found.append({"kind": kind, "granularity": rule.granularity, **episode,
                              "until": after(episode["last"], rule.granularity)})
    return found


def detect(marked: pl.DataFrame, period_start: datetime, period_end: datetime, tz: str, floor: Spikes = Spikes(),
           exclude: frozenset[str] = frozenset(), top: int = 5) -> list[dict[str, object]]:
    """The spike events that start inside [period_start, period_end), most severe first (then more posts,
    then earlier), in residents' posts only (`is_own` false): per event its times, kinds and severity (see
    `event`), posts and negative_posts (residents' posts in it), busiest_hour and busiest_hour_posts,
    top_terms (without the words in `exclude`), and top_posts: the `top` lead posts about its top terms
    (negative ones when negativity spiked). `marked` must reach at least 28 days before the period."""
    zone = ZoneInfo(tz)
    margin = (period_start - MARGIN).astimezone(UTC)
    residents = marked.filter(~pl.col("is_own") & (pl.col("created_at") >= margin))
    if residents.is_empty():
        return []
    local = pl.col("created_at").dt.convert_time_zone(tz)
    negative = pl.col("sentiment_label") == "negatief"
    # Hours are cut in UTC and shown in local time: the same hours wherever the offset is whole hours.
    hourly = residents.group_by(local.dt.truncate("1h").alias("start")).agg(
        volume=pl.len().cast(pl.Int64), negativity=negative.sum().cast(pl.Int64))
    residents = residents.select(
        "platform", "id", "created_at", AUTHOR, "author_followers", "is_own", "text", "sentiment_label",
        engagement=ENGAGEMENT, negative=negative)
    if not residents["created_at"].is_sorted():  # as `marked` is, unless given otherwise
        residents = residents.sort("created_at", maintain_order=True)
    found = []
    for group in merge(found_episodes(hourly, tz, floor)):
        spike = event(group)
        if not (period_start <= spike["start"] < period_end):
            continue
        found.append(_about(spike, residents, hourly, exclude, top, zone))
    return sorted(found, key=lambda e: (-e["severity"], -e["posts"], e["start"]))


def _between(frame: pl.DataFrame, start: datetime, until: datetime) -> pl.DataFrame:
    """The rows of `frame` (in time order, as `marked` is) created in [start, until): a slice, not a filter
    over a year of rows for each event."""
    bounds = pl.Series([start, until]).dt.convert_time_zone("UTC").dt.cast_time_unit(frame["created_at"].dtype.time_unit)
    first, end = frame["created_at"].search_sorted(bounds, side="left").to_list()
    return frame.slice(first, end - first)


def _about(spike: dict[str, object], residents: pl.DataFrame, hourly: pl.DataFrame, exclude: frozenset[str],
           top: int, zone: ZoneInfo) -> dict[str, object]:
    """`spike` with what residents posted in it: counts, busiest hour, top terms and lead posts."""
    start, until = spike["start"].astimezone(zone), spike["until"].astimezone(zone)
    inside = _between(residents, start, until)
    before = _between(residents, start - TERMS_BASELINE, start)
    # A negativity-only event is about what the negative posts say; otherwise about all residents' posts.
    if spike["kinds"] == ["negativity"]:
        inside_terms, before_terms = inside.filter("negative"), before.filter("negative")
    else:
        inside_terms, before_terms = inside, before
    terms = top_terms(inside_terms["text"].fill_null("").to_list(), before_terms["text"].fill_null("").to_list(),
                      exclude=exclude)
    leads = inside.filter("negative") if "negativity" in spike["kinds"] else inside
    hours = hourly.filter((pl.col("start") >= start) & (pl.col("start") < until)).sort(
        ["volume", "start"], descending=[True, False])
    return {
        **spike, "posts": inside.height, "negative_posts": int(inside["negative"].sum()),
        "busiest_hour": hours["start"][0] if hours.height else None,
        "busiest_hour_posts": int(hours["volume"][0]) if hours.height else 0,
        "top_terms": terms,
        "top_posts": lead_posts(leads.sort("created_at"), terms, top, exclude).select(
            "platform", "id", "created_at", "author", "author_followers", "is_own", "text", "engagement",
            "sentiment_label"),
    }


def spike_moods(marked: pl.DataFrame, spikes: list[dict[str, object]], passes: pl.Expr = pl.lit(True)) -> list[dict[str, int]]:
    """Per spike: residents' posts in `marked` that satisfy `passes` (the report's filters), by sentiment
    (positive, neutral, negative), from its start to its end (`until`, exclusive)."""
    if not spikes:
        return []
    # The residents who pass the filters, once for all spikes.
    counted = marked.select(~pl.col("is_own") & passes).to_series()
    moods = []
    for spike in spikes:
        # Spikes are in local time, mentions in UTC: compare moments, not wall-clock times.
        inside = (counted & (marked["created_at"] >= spike["start"].astimezone(UTC))
                  & (marked["created_at"] < spike["until"].astimezone(UTC)))
        found = dict(marked["sentiment_label"].filter(inside).cast(pl.String).value_counts().iter_rows())
        moods.append({"positive": found.get("positief", 0), "neutral": found.get("neutraal", 0),
                      "negative": found.get("negatief", 0)})
    return moods
