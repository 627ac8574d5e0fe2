"""Spikes and crises: volume and negativity anomalies per day and per hour against a robust baseline.

The rule (docs/metrics.md): a bucket is anomalous when its count is at least `min_count` (10), at least
twice the baseline median, and at least 3 robust standard deviations (1.4826 × MAD, at least √median and
at least 1) above that median. The baseline is the previous 14 days for a day; for an hour the previous 12
hours or, if higher, the same hour on the previous 7 days. An episode starts only at a bucket that also
beats the day before (for an hour: the same hour the day before) and the same bucket a week earlier
(confirmation); anomalous buckets right after it extend it. Severity 1–10 = 2·log2(peak / baseline)
plus one point per extra bucket (at most 3), rounded and clamped."""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass

import polars as pl
from stop_words import get_stop_words

from .reach import ENGAGEMENT
from .webcare import AUTHOR

STOPWORDS = frozenset("""
aan al alle als ben bij dan dat de deze die dit doen door een en er had heb heeft het hier hij hoe
ik in is je kan kunnen maar me meer met mijn na naar niet nog nu of om omdat ook op over te tot u uit
van veel voor waar wat we weer wel wij worden wordt zal ze zich zijn zo zoals zou jullie hun haar
gemeente vandaag gewoon echt even
""".split()) | frozenset(get_stop_words("dutch"))  # and the stop-words package's Dutch function words
_WORD = re.compile(r"(?<![@#\w])[^\W\d_]{4,}", re.UNICODE)


@dataclass(frozen=True)
class Rule:
    every: str  # "1d" or "1h"
    baseline: int  # buckets in the baseline window
    day: int  # buckets in a day; confirmation compares with the bucket this far back (1 for days)
    week: int  # buckets in a week (confirmation, and for hours the same hour on earlier days)
    min_count: int


SHOWN = ("platform", "id", "created_at", "author_handle", "author_followers", "is_own", "text", "sentiment_label")
DAILY = Rule("1d", 14, 1, 7, 10)
HOURLY = Rule("1h", 12, 24, 168, 10)


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
    return frame.with_columns(z=z).with_columns(
        anomalous=((pl.col("count") >= rule.min_count) & (pl.col("count") >= 2 * pl.col("baseline"))
                   & (pl.col("z") >= 3)).fill_null(False),
        confirmed=((pl.col("count") > pl.col("count").shift(rule.day).fill_null(0))
                   & (pl.col("count") > pl.col("count").shift(rule.week).fill_null(0))),
    )


def episodes(flagged: pl.DataFrame) -> list[dict[str, object]]:
    """Group anomalous buckets into episodes: a confirmed start, extended by the anomalous buckets after it."""
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
        "start": buckets[0]["start"], "end": buckets[-1]["start"], "peak": peak["start"],
        "peak_count": peak["count"], "baseline": buckets[0]["baseline"], "buckets": len(buckets),
        "severity": int(min(10, max(1, round(severity)))),
    }


def top_terms(texts: list[str], baseline_texts: list[str], n: int = 10) -> list[str]:
    """Words over-represented in `texts` against `baseline_texts` (seen at least 3 times)."""
    def count(items: list[str]) -> Counter[str]:
        return Counter(w for t in items for w in _WORD.findall(t.lower()) if w not in STOPWORDS)

    now, before = count(texts), count(baseline_texts)
    scale = max(len(baseline_texts), 1) / max(len(texts), 1)
    scored = {w: c * (c * scale + 1) / (before.get(w, 0) + 1) for w, c in now.items() if c >= 3}
    return [w for w, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def detect(marked: pl.DataFrame, period_start, period_end, tz: str, top: int = 5) -> list[dict[str, object]]:
    """Volume and negativity episodes that start inside [period_start, period_end), daily and hourly, with
    their top terms and top posts. `marked` must reach at least 14 days before the period."""
    if marked.is_empty():
        return []
    # Hours are cut in UTC and shown in local time: the same hours wherever the offset is whole hours.
    local = pl.col("created_at").dt.truncate("1h").dt.convert_time_zone(tz)
    negative = ~pl.col("is_own") & (pl.col("sentiment_label") == "negatief")
    # Counted per hour once; days add up their hours.
    hourly = marked.group_by(local.alias("start")).agg(volume=pl.len(), negativity=negative.sum().cast(pl.Int64))
    first, last = hourly["start"].min(), hourly["start"].max()
    found = []
    for rule in (DAILY, HOURLY):
        bucket = pl.col("start").dt.truncate(rule.every)
        grid = pl.datetime_range(first, last, rule.every, eager=True, time_zone=tz).dt.truncate(rule.every)
        counts = hourly.group_by(bucket).agg(pl.col("volume", "negativity").sum())
        table = pl.DataFrame({"start": grid}).unique().sort("start").join(counts, on="start", how="left").fill_null(0)
        step = pl.duration(days=1) if rule.every == "1d" else pl.duration(hours=1)
        window = pl.duration(days=rule.baseline) if rule.every == "1d" else pl.duration(hours=rule.baseline)
        for kind in ("volume", "negativity"):
            series = table.select("start", pl.col(kind).cast(pl.Int64).alias("count"))
            for episode in episodes(flag(series, rule)):
                if not (period_start <= episode["start"] < period_end):
                    continue
                # Only the posts around the episode, and only what is shown of them.
                subset = marked.filter((local >= pl.lit(episode["start"]) - window)
                                       & (local < pl.lit(episode["end"]) + step)).select(
                    *SHOWN, "likes", "reposts", "replies", "quotes", local=local)
                if kind == "negativity":
                    subset = subset.filter(negative)
                inside = subset.filter((pl.col("local") >= episode["start"])
                                       & (pl.col("local") < pl.lit(episode["end"]) + step))
                before = subset.filter((pl.col("local") < episode["start"])
                                       & (pl.col("local") >= pl.lit(episode["start"]) - window))
                posts = inside.with_columns(engagement=ENGAGEMENT).sort(
                    ["engagement", "created_at"], descending=[True, False]).head(top)
                found.append({
                    "kind": kind, "granularity": "day" if rule.every == "1d" else "hour", **episode,
                    # Terms come from what residents wrote; the municipality's own replies would drown them.
                    "top_terms": top_terms(inside.filter(~pl.col("is_own"))["text"].to_list(),
                                           before.filter(~pl.col("is_own"))["text"].to_list()),
                    "top_posts": posts.select(
                        "platform", "id", "created_at", AUTHOR, "author_followers", "is_own", "text", "engagement",
                        "sentiment_label"),
                })
    return sorted(found, key=lambda e: (e["start"], e["granularity"], e["kind"]))
