"""Everything a report shows, gathered from the database in one pass: the period's metrics (as
`luisterpost metrics` computes them), the 13-month trend, the response-time bands, unanswered questions with
what was asked, what each spike felt like, the sources' coverage and the sentiment quality. Plain values and
frames; formatting is the templates' job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import duckdb
import polars as pl

from ..config import Config
from ..metrics.compute import (LOOKBACK, Filters, Settings, cases_within, compute_frames, in_period_frame, prepare,
                               settings_of, with_peers)
from ..metrics.load import load_mentions
from ..metrics.period import Period
from ..metrics.privacy import Pseudonymiser, pseudonymiser_of
from ..metrics.local_time import wall_clock
from ..metrics.reach import ENGAGEMENT
from ..metrics.result import MetricsResult
from ..metrics.spikes import spike_moods
from ..metrics.topics import negative_issues
from ..metrics.trend import monthly_sentiment, trend_start
from ..metrics.volume import per_day
from ..metrics.webcare import AUTHOR, response_distribution
from ..sql import query

UNANSWERED_SHOWN = 15  # unanswered questions listed by name; the rest are counted


@dataclass(frozen=True)
class ReportData:
    period: Period
    filters: Filters
    metrics: MetricsResult  # as compute() returns it, residents pseudonymised
    daily: pl.DataFrame  # every day of the period: day, mentions, negative (residents' negative posts)
    trend: pl.DataFrame  # monthly_sentiment over 13 months
    response_bands: pl.DataFrame  # response_distribution
    unanswered: pl.DataFrame  # platform, started_at, resident, text, url, needs_reply (questions first)
    unanswered_questions: int  # unanswered cases that asked a question or complained
    spike_moods: list[dict[str, int]]  # per spike in metrics["spikes"]: positive, neutral, negative posts
    issues: list[dict[str, object]]  # top terms of residents' negative posts: term, posts
    notable_negative: pl.DataFrame  # residents' negative posts with the most engagement
    coverage: list[dict[str, object]]  # per source: mentions, platforms, runs, failed, quiet_days, last_ok
    quality: list[dict[str, object]]  # per sentiment source: scored, corrected, agreed
    evidence: dict[tuple[str, str], tuple[str | None, bool]]  # (platform, id) → (evidence, corrected)


def gather(con: duckdb.DuckDBPyConnection, config: Config, period: Period, filters: Filters = Filters()) -> ReportData:
    """All figures for a report on `period` (filtered by `filters`), from the database."""
    settings = settings_of(config)
    first_month = trend_start(period.last_day)
    trend_period = Period(first_month, period.last_day, period.tz)
    start = min(period.year_earlier().start, trend_period.start, period.previous().start) - LOOKBACK
    frame = load_mentions(con, start, period.end + timedelta(hours=settings.window_hours))
    marked, timed = prepare(frame, settings)
    privacy = pseudonymiser_of(config)
    metrics = with_peers(compute_frames(marked, timed, period, settings, filters, privacy), config, period)
    in_trend = in_period_frame(marked, trend_period, filters)
    period_cases = cases_within(marked, timed, period, filters)
    unanswered = _unanswered(metrics["unanswered_cases"], marked, privacy, settings)
    in_period = _mentions(marked, period, filters)
    notable = _notable_negative(in_period, privacy, settings)
    shown = [metrics["top_posts_by_engagement"], notable, *[s["top_posts"] for s in metrics["spikes"]]]
    return ReportData(
        period=period, filters=filters, metrics=metrics,
        daily=per_day(in_period, period.first_day, period.last_day),
        trend=monthly_sentiment(in_trend, first_month, period.last_day),
        response_bands=response_distribution(period_cases, settings.norm_hours),
        unanswered=unanswered.head(UNANSWERED_SHOWN),
        unanswered_questions=metrics["response"]["needs_reply"]["unanswered"] or 0,
        spike_moods=spike_moods(marked, metrics["spikes"], filters.expr()),
        issues=negative_issues(in_period, _mentions(marked, period.previous(), filters), settings.own_words),
        notable_negative=notable,
        coverage=_coverage(con, period),
        quality=_rows(con.execute(query("report/sentiment_quality"), {"start": period.start, "end": period.end})),
        evidence=_evidence(con, shown),
    )


def _mentions(marked: pl.DataFrame, period: Period, filters: Filters) -> pl.DataFrame:
    """The whole rows of `marked` (texts included) for the mentions of `period` that pass `filters`."""
    return marked[in_period_frame(marked, period, filters)["row"]]


def _rows(relation: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    names = [d[0] for d in relation.description]
    return [dict(zip(names, row)) for row in relation.fetchall()]


def _unanswered(cases: pl.DataFrame, marked: pl.DataFrame, privacy: Pseudonymiser, settings: Settings) -> pl.DataFrame:
    """The unanswered cases with the first message's text, masked (never its link: every case is a
    resident's): questions and complaints first, then the most recent."""
    columns = {"platform": pl.String, "started_at": pl.Datetime("us", "UTC"), "resident": pl.String,
               "text": pl.String, "url": pl.String, "needs_reply": pl.Boolean}
    if cases.is_empty():
        return pl.DataFrame(schema=columns)
    first = marked.select(pl.col("platform").cast(pl.String), pl.col("id").alias("first_id"), "text", "url")
    found = cases.with_columns(pl.col("platform").cast(pl.String)).join(first, on=["platform", "first_id"], how="left")
    found = privacy.texts(found.with_columns(pl.col("text").fill_null(""), url=pl.lit(None, pl.String)),
                          settings.own_handles)
    return found.sort(["needs_reply", "started_at"], descending=[True, True]).select(list(columns))


def _notable_negative(in_period: pl.DataFrame, privacy: Pseudonymiser, settings: Settings, n: int = 5) -> pl.DataFrame:
    """Residents' negative posts with the most engagement (ties: the earlier first), named as shown."""
    columns = ["platform", "id", "created_at", "author", "author_followers", "is_own", "text", "url", "engagement",
               "sentiment_label"]
    if in_period.is_empty():
        return pl.DataFrame(schema={c: pl.String for c in columns})
    posts = in_period.filter(~pl.col("is_own") & (pl.col("sentiment_label") == "negatief")).with_columns(
        engagement=ENGAGEMENT).sort(["engagement", "created_at"], descending=[True, False]).head(n)
    shown = posts.with_columns(AUTHOR, pl.col("platform").cast(pl.String),
                               pl.col("sentiment_label").cast(pl.String)).select(columns)
    return privacy.texts(privacy.names(shown), settings.own_handles)


def _coverage(con: duckdb.DuckDBPyConnection, period: Period) -> list[dict[str, object]]:
    """Per source: mentions stored for the period, platforms, harvest runs in the period and failed ones,
    local days of the period without any stored mention, and when its last harvest that ended well finished."""
    rows = _rows(con.execute(query("marts/source_coverage"), {"start": period.start, "end": period.end}))
    created = con.execute(query("report/source_mentions"), {"start": period.start, "end": period.end}).pl()
    days = {}
    if created.height:
        local = created.with_columns(day=wall_clock(created["created_at"], str(period.tz)).dt.date())
        days = {source: len(group["day"].unique()) for (source,), group in local.group_by("source")}
    last_ok = dict(con.execute(query("report/last_harvest")).fetchall())
    return [{**row, "quiet_days": period.days - days.get(row["source"], 0), "last_ok": last_ok.get(row["source"])}
            for row in rows]


def _evidence(con: duckdb.DuckDBPyConnection, frames: list[pl.DataFrame]) -> dict[tuple[str, str], tuple[str | None, bool]]:
    """(platform, id) → (the stored evidence for its sentiment, whether an analyst corrected it)."""
    keys = pl.concat([f.select(pl.col("platform").cast(pl.String), pl.col("id").cast(pl.String))
                      for f in frames if f.height] or [pl.DataFrame(schema={"platform": pl.String, "id": pl.String})])
    if keys.is_empty():
        return {}
    con.register("shown_posts", keys.unique().to_arrow())
    try:
        return {(p, i): (evidence, bool(corrected))
                for p, i, evidence, corrected in con.execute(query("report/sentiment_evidence")).fetchall()}
    finally:
        con.unregister("shown_posts")
