"""All metrics for a period, as one plain dict (its shape: metrics/result.py): what `luisterpost metrics --json`
prints and reports show."""

from __future__ import annotations

import secrets

from dataclasses import dataclass
from datetime import timedelta

import duckdb
import polars as pl

from ..config import Config, Spikes, calendar_of
from ..schedule import BusinessCalendar
from .broadcast import broadcasting
from . import peers
from .period import Period
from .privacy import Pseudonymiser, pseudonymiser_of
from .reach import author_groups, author_stats, reach, top_authors, top_posts
from .reputation import reputation
from .result import Change, FrameMetrics, Headline, MeasuredResponse, MetricsResult, check
from .rollup import GROUPS, breakdown, case_rollup, mention_rollup, series, set_id
from .local_time import wall_clock
from .spikes import MARGIN as SPIKE_MARGIN, detect
from .topics import excluded_words
from .load import load_mentions
from .volume import tagged, volume
from .webcare import (AUTHOR, UNMEASURED_RESPONSE, cases, mark_own, not_measured, response_by, response_summary,
                      threaded_platforms, threads, unanswered, with_timing)

LOOKBACK = timedelta(days=14)
# Unanswered cases listed: questions and complaints first, then the most recent. Their numbers are in
# "response"; every case, answered or not, is in `luisterpost export`.
UNANSWERED_LISTED = 100
SENTIMENT = pl.Enum(["negatief", "neutraal", "positief"])  # threads may have started before the period: load their start too


@dataclass(frozen=True)
class Filters:
    """Restrict the figures to one platform, theme (portfolio), woonkern and/or language."""

    platform: str | None = None
    theme: str | None = None
    woonkern: str | None = None
    language: str | None = None  # ISO 639-1, e.g. "nl"

    def expr(self) -> pl.Expr:
        condition = pl.lit(True)
        if self.platform:
            condition &= pl.col("platform") == self.platform
        if self.theme:
            condition &= pl.col("themes").list.contains(self.theme)
        if self.woonkern:
            condition &= pl.col("woonkernen").list.contains(self.woonkern)
        if self.language:
            condition &= pl.col("language") == self.language
        return condition

    def as_dict(self) -> dict[str, str]:
        given = {"platform": self.platform, "theme": self.theme, "woonkern": self.woonkern, "language": self.language}
        return {k: v for k, v in given.items() if v}


@dataclass(frozen=True)
class Settings:
    own_handles: dict[str, set[str]]
    calendar: BusinessCalendar
    window_hours: float = 72
    norm_hours: float = 4
    top: int = 10
    spikes: Spikes = Spikes()  # the floor a spike must clear
    # Words that never make a spike's top terms: the municipality's names, handles, hashtags, woonkernen.
    own_words: frozenset[str] = frozenset()


def settings_of(config: Config) -> Settings:
    terms = config.terms
    own_words = excluded_words(terms.names, terms.handles, terms.hashtags, terms.woonkernen,
                               *config.accounts.values())
    return Settings(config.own_handles(), calendar_of(config), config.webcare.conversation_window_hours,
                    config.webcare.norm_hours, spikes=config.spikes, own_words=own_words)


# What the metrics read of a loaded frame (sql/marts/mentions_enriched.sql loads exactly these).
LOADED_COLUMNS = ("platform", "id", "created_at", "author_handle", "author_followers", "text", "url", "in_reply_to_id",
                  "conversation_id", "likes", "reposts", "replies", "quotes", "views", "sentiment_label", "themes",
                  "woonkernen", "language", "needs_reply")


def prepare(frame: pl.DataFrame, settings: Settings) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Mark own posts and threads on a frame of mentions, and derive its timed webcare cases (with the
    first message's platform and theme and woonkern sets, so filters and breakdowns apply to cases too).
    Returns (marked mentions in time order, cases in the order they start): a period is a slice of each.
    Cases on platforms without any thread information are left out: no answer can be seen there, so they
    would all count as unanswered (see `threaded_platforms`)."""
    tz = str(settings.calendar.tz)
    frame = frame.select(LOADED_COLUMNS)
    if not frame["created_at"].is_sorted():
        frame = frame.sort("created_at", maintain_order=True)
    # One contiguous chunk per column up front: adding a computed column to a chunked frame makes Polars
    # rechunk every column, texts included, each time.
    frame = frame.rechunk()
    marked = threads(mark_own(frame, settings.own_handles)).with_columns(
        local_day=wall_clock(frame["created_at"], tz).dt.date(),
        # An enum compares as a small integer: every sentiment count gets cheaper.
        sentiment_label=pl.col("sentiment_label").cast(SENTIMENT),
        theme_set=set_id("themes"), place_set=set_id("woonkernen"),
    )
    case_rows = cases(marked, settings.window_hours, carry=("theme_set", "place_set", "needs_reply"))
    case_rows = case_rows.filter(pl.col("platform").is_in(sorted(threaded_platforms(frame))))
    # Platforms as categories from here on (after the keys, which hash the names): groupings and copies
    # get cheaper.
    platform = pl.col("platform").cast(pl.Categorical)
    return (marked.with_columns(platform).drop("mentions_own"),
            with_timing(case_rows.with_columns(platform), settings.calendar, settings.norm_hours))


def _rows_within(frame: pl.DataFrame, column: str, period: Period) -> tuple[int, int]:
    """The rows [first, end) of `frame`, sorted on `column`, whose `column` falls within `period`."""
    bounds = pl.Series([period.start, period.end]).dt.convert_time_zone("UTC").dt.cast_time_unit("us")
    first, end = frame[column].search_sorted(bounds, side="left").to_list()
    return first, end


def cases_within(marked: pl.DataFrame, timed: pl.DataFrame, period: Period, filters: Filters) -> pl.DataFrame:
    """The cases (in the order they start, see `prepare`) that start in `period` and whose first message
    passes `filters`."""
    first, end = _rows_within(timed, "started_at", period)
    found = timed.slice(first, end - first)
    if not filters.as_dict():
        return found
    passes = marked.select(filters.expr()).to_series()
    return found.filter(passes.gather(found["first_row"]))


# Fixed-width columns only (platform is categorical): the period's frame is a slice of these (a copy
# only when filtered), and the few rows shown get their names and texts back from `marked` by `row`.
PERIOD_COLUMNS = ("platform", "is_reply", "parent_row", "created_at", "author_key", "author_followers", "is_own", "likes",
                  "reposts", "replies", "quotes", "views", "sentiment_label", "theme_set", "place_set", "local_day")
SHOWN_COLUMNS = ("id", "author_handle", "text", "url")


def in_period_frame(marked: pl.DataFrame, period: Period, filters: Filters) -> pl.DataFrame:
    """The mentions in `period` that pass `filters`, as PERIOD_COLUMNS and their `row` in `marked`."""
    first, end = _rows_within(marked, "created_at", period)
    # A slice shares the columns; only a filter copies them.
    frame = marked.select(PERIOD_COLUMNS).slice(first, end - first).with_columns(
        row=pl.int_range(first, end, dtype=pl.UInt32))
    if not filters.as_dict():
        return frame
    return frame.filter(marked.slice(first, end - first).select(filters.expr()).to_series())


def headline_of(in_period: pl.DataFrame, period_cases: pl.DataFrame) -> Headline:
    """The core figures (volume, reputation, response) of a period's mentions and cases."""
    return {**volume(in_period), **reputation(in_period), "response": response_summary(period_cases)}


def headline(marked: pl.DataFrame, timed: pl.DataFrame, period: Period, filters: Filters) -> Headline:
    """The core figures for one period: volume, reputation, response."""
    return headline_of(in_period_frame(marked, period, filters), cases_within(marked, timed, period, filters))


def _change(now: Headline, before: Headline) -> Change:
    """Differences now − before for the figures management compares; relative for counts."""
    def diff(a, b):
        return None if a is None or b is None else a - b

    def relative(a, b):
        return None if a is None or not b else (a - b) / b

    rn, rb = now["response"], before["response"]
    return {
        "mentions": before["mentions"],
        "mentions_change": relative(now["mentions"], before["mentions"]),
        "net_sentiment": before["net_sentiment"],
        "net_sentiment_change": diff(now["net_sentiment"], before["net_sentiment"]),
        "reputation_index": before["reputation_index"],
        "reputation_index_change": diff(now["reputation_index"], before["reputation_index"]),
        "negative_share": before["negative_share"],
        "negative_share_change": diff(now["negative_share"], before["negative_share"]),
        "response_rate": rb["rate"],
        "response_rate_change": diff(rn["rate"], rb["rate"]),
        "median_business_minutes": rb["first_response_business_minutes"]["median"],
        "median_business_minutes_change": diff(rn["first_response_business_minutes"]["median"],
                                               rb["first_response_business_minutes"]["median"]),
        "within_norm_share": rb["within_norm_share"],
        "within_norm_share_change": diff(rn["within_norm_share"], rb["within_norm_share"]),
    }


def compute_frames(marked: pl.DataFrame, timed: pl.DataFrame, period: Period, settings: Settings,
                   filters: Filters = Filters(), privacy: Pseudonymiser | None = None,
                   before: dict[str, Headline] | None = None) -> FrameMetrics:
    """Every figure for `period` from prepared frames that cover it.

    The comparisons use `before` (the headlines of "previous_period" and "year_earlier", see `comparisons`)
    when given, else the frames, which must then cover those periods too. With `privacy`, residents in the
    outputs that name authors are pseudonymised with its key; without it, with a key made for this call (no
    output ever names a resident)."""
    privacy = privacy or Pseudonymiser(secrets.token_bytes(32))
    before = before or {"previous_period": headline(marked, timed, period.previous(), filters),
                        "year_earlier": headline(marked, timed, period.year_earlier(), filters)}
    in_period = in_period_frame(marked, period, filters)
    period_cases = cases_within(marked, timed, period, filters)
    current = headline_of(in_period, period_cases)
    tz = str(period.tz)
    authors = author_stats(in_period)
    rollup = mention_rollup(in_period, marked)
    case_counts = case_rollup(period_cases)
    threaded = threaded_platforms(marked)
    response = _measured_response(current["response"], in_period, threaded)
    skipped, nothing_measured = response["not_measured"], response["reason"] is not None
    return {
        "period": {"from": period.first_day.isoformat(), "to": period.last_day.isoformat(), "timezone": tz,
                   "filters": filters.as_dict()},
        **current,
        "response": response,
        "change": {name: _change(current, figures) for name, figures in before.items()},
        "reach": reach(in_period, authors),
        "top_posts_by_reach": _private_posts(shown(top_posts(in_period, "reach", settings.top), marked), privacy, settings),
        "top_posts_by_engagement": _private_posts(
            shown(top_posts(in_period, "engagement", settings.top), marked), privacy, settings),
        "top_authors": privacy.names(top_authors(authors, in_period, marked, settings.top, privacy.public_followers),
                                     followers="followers"),
        "author_groups": author_groups(authors, privacy.public_followers),
        "broadcasting": broadcasting(marked, in_period, settings.calendar, threaded),
        "response_by_platform": response_by(period_cases, "platform"),
        "response_by_weekday_hour": response_by(period_cases, "weekday", "hour"),
        "unanswered_cases": privacy.names(unanswered(period_cases, marked, UNANSWERED_LISTED), author="resident",
                                          followers=None, own=None),
        "series": series(rollup, case_counts),
        "series_by": {by: series(rollup, case_counts, by) for by in GROUPS},
        "spikes": _private_spikes(detect(marked.filter(filters.expr()) if filters.as_dict() else marked,
                                         period.start, period.end, tz, settings.spikes, settings.own_words, top=3),
                                  privacy, settings),
        "by_platform": _unmeasured_null(breakdown(rollup, case_counts, "platform"), pl.col("platform").cast(pl.String)
                                        .is_in(sorted({r["platform"] for r in skipped}))),
        "by_theme": _unmeasured_null(breakdown(rollup, case_counts, "theme"), pl.lit(nothing_measured)),
        "by_woonkern": _unmeasured_null(breakdown(rollup, case_counts, "woonkern"), pl.lit(nothing_measured)),
        "theme_tags": tagged(in_period, marked, "themes"),
        "woonkern_tags": tagged(in_period, marked, "woonkernen"),
    }


def _measured_response(response: dict[str, object], in_period: pl.DataFrame, threaded: set[str]) -> MeasuredResponse:
    """The period's response figures with the platforms they leave out (`not_measured`); when no platform
    with mentions in the period carries thread information, every figure is null and `reason` says why."""
    skipped = not_measured(in_period["platform"], threaded)
    if skipped and len(skipped) == in_period["platform"].n_unique():
        return {**UNMEASURED_RESPONSE, "not_measured": skipped, "reason": skipped[0]["reason"]}
    return {**response, "not_measured": skipped, "reason": None}


BREAKDOWN_RESPONSE = ("cases", "answered", "within_norm", "median_business_minutes", "response_rate", "within_norm_share")


def _unmeasured_null(rows: pl.DataFrame, unmeasured: pl.Expr) -> pl.DataFrame:
    """A breakdown with its response figures null on the rows where they cannot be measured (not 0)."""
    return rows.with_columns(pl.when(~unmeasured).then(pl.col(c)).alias(c) for c in BREAKDOWN_RESPONSE
                             if c in rows.columns)


def shown(posts: pl.DataFrame, marked: pl.DataFrame) -> pl.DataFrame:
    """Posts of the period's frame with their id, author, text and url from `marked`, as shown."""
    return posts.hstack(marked.select(SHOWN_COLUMNS)[posts["row"]]).select(
        "platform", "id", "created_at", AUTHOR, "is_own", "author_followers", "text", "url", "reach",
        "engagement", "sentiment_label")


def _private_posts(posts: pl.DataFrame, privacy: Pseudonymiser, settings: Settings) -> pl.DataFrame:
    return privacy.texts(privacy.names(posts), settings.own_handles)


def _private_spikes(found: list[dict[str, object]], privacy: Pseudonymiser, settings: Settings) -> list[dict[str, object]]:
    return [{**episode, "top_posts": _private_posts(episode["top_posts"], privacy, settings)} for episode in found]


def load_window(con: duckdb.DuckDBPyConnection, period: Period, window_hours: float, *,
                spikes: bool = True) -> pl.DataFrame:
    """The mentions the metrics of `period` need: from the look-back before it (threads, and the baseline
    spike detection needs unless `spikes` is false) to the response window after it."""
    lookback = max(LOOKBACK, SPIKE_MARGIN) if spikes else LOOKBACK
    return load_mentions(con, period.start - lookback, period.end + timedelta(hours=window_hours))


def compute(con: duckdb.DuckDBPyConnection, config: Config, period: Period, filters: Filters = Filters()) -> MetricsResult:
    """Every metric for `period` from the database, residents pseudonymised as the config says, with the
    peer benchmark when the config names peers."""
    settings = settings_of(config)
    # The comparisons first, each from its own window: loading everything from a year back at once would
    # hold (and thread) far more than the periods compared.
    before = comparisons(con, settings, period, filters)
    marked, timed = prepare(load_window(con, period, settings.window_hours), settings)
    return with_peers(compute_frames(marked, timed, period, settings, filters, pseudonymiser_of(config), before),
                      config, period)


def with_peers(result: FrameMetrics, config: Config, period: Period) -> MetricsResult:
    """`result` with the peer benchmark (empty when the config names no peers), checked against the
    contract (metrics/result.py). The check runs every time, not only in tests: it reads a few hundred
    small values and only the column names of the frames (well under a millisecond), and a result of the
    wrong shape is a bug that should stop here, before a report or a JSON file half shows it."""
    full: MetricsResult = {**result, "peers": [peers.row(config, result), *peers.peer_rows(config, period, peer_headline)]
                           if config.peers else []}
    return check(full)


def comparisons(con: duckdb.DuckDBPyConnection, settings: Settings, period: Period,
                filters: Filters) -> dict[str, Headline]:
    """The headline figures of the period before `period` and of the same period a year earlier, as
    `compute_frames` compares with them (computed once when both are the same, as for a whole year)."""
    earlier = {"previous_period": period.previous(), "year_earlier": period.year_earlier()}
    found: dict[tuple[object, object], Headline] = {}
    for other in earlier.values():
        key = (other.first_day, other.last_day)
        if key not in found:
            found[key] = period_headline(con, settings, other, filters)
    return {name: found[(other.first_day, other.last_day)] for name, other in earlier.items()}


def period_headline(con: duckdb.DuckDBPyConnection, settings: Settings, period: Period,
                    filters: Filters = Filters()) -> Headline:
    """The headline figures (volume, reputation, response) of `period` from the database."""
    marked, timed = prepare(load_window(con, period, settings.window_hours, spikes=False), settings)
    return headline(marked, timed, period, filters)


def peer_headline(con: duckdb.DuckDBPyConnection, config: Config, period: Period) -> Headline:
    """A peer's headline figures for `period` (volume, reputation, response) from its own database."""
    return period_headline(con, settings_of(config), period)
