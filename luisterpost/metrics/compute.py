"""All metrics for a period, as one plain dict: what `luisterpost metrics --json` prints and reports show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import duckdb
import polars as pl

from ..config import Config, calendar_of
from ..schedule import BusinessCalendar
from .broadcast import broadcasting
from . import peers
from .period import Period
from .privacy import Pseudonymiser, pseudonymiser_of
from .reach import author_stats, reach, top_authors, top_posts
from .reputation import count_exprs, ratio_exprs, reputation
from .spikes import detect
from .load import load_mentions
from .volume import volume
from .webcare import cases, mark_own, response_by, response_summary, threads, with_timing

LOOKBACK = timedelta(days=14)
SENTIMENT = pl.Enum(["negatief", "neutraal", "positief"])  # threads may have started before the period: load their start too


@dataclass(frozen=True)
class Filters:
    """Restrict the figures to one platform, theme (portfolio) and/or woonkern."""

    platform: str | None = None
    theme: str | None = None
    woonkern: str | None = None

    def expr(self) -> pl.Expr:
        condition = pl.lit(True)
        if self.platform:
            condition &= pl.col("platform") == self.platform
        if self.theme:
            condition &= pl.col("themes").list.contains(self.theme)
        if self.woonkern:
            condition &= pl.col("woonkernen").list.contains(self.woonkern)
        return condition

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in {"platform": self.platform, "theme": self.theme, "woonkern": self.woonkern}.items() if v}


@dataclass(frozen=True)
class Settings:
    own_handles: dict[str, set[str]]
    calendar: BusinessCalendar
    window_hours: float = 72
    norm_hours: float = 4
    top: int = 10


def settings_of(config: Config) -> Settings:
    return Settings(config.own_handles(), calendar_of(config), config.webcare.conversation_window_hours,
                    config.webcare.norm_hours)


def prepare(frame: pl.DataFrame, settings: Settings) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Mark own posts and threads on a frame of mentions, and derive its timed webcare cases (with the
    first message's platform, themes and woonkernen, so filters apply to cases too)."""
    local = pl.col("created_at").dt.convert_time_zone(str(settings.calendar.tz))
    # One contiguous chunk per column up front: adding a computed column to a chunked frame makes Polars
    # rechunk every column, texts included, each time.
    frame = frame.rechunk()
    marked = threads(mark_own(frame, settings.own_handles)).with_columns(
        # Local day and hour once, for series and spike detection.
        local_day=local.dt.date(), local_hour=local.dt.truncate("1h"),
        # An enum compares as a small integer: every sentiment count gets cheaper.
        sentiment_label=pl.col("sentiment_label").cast(SENTIMENT),
    )
    case_rows = cases(marked, settings.own_handles, settings.window_hours)
    first = marked.select(pl.col("key").alias("first_key"), "themes", "woonkernen")
    case_rows = case_rows.join(first, on="first_key", how="left", maintain_order="left")
    return marked, with_timing(case_rows, settings.calendar, settings.norm_hours)


def _within(frame: pl.DataFrame, column: str, period: Period) -> pl.DataFrame:
    return frame.filter((pl.col(column) >= period.start) & (pl.col(column) < period.end))


PERIOD_COLUMNS = ("platform", "id", "key", "parent_key", "created_at", "author", "author_key", "author_followers",
                  "is_own", "likes", "reposts", "replies", "quotes", "views", "sentiment_label", "themes",
                  "woonkernen", "local_day", "local_hour")
HEADLINE_COLUMNS = ("created_at", "platform", "themes", "woonkernen", "author_key", "is_own", "sentiment_label")


def headline(marked: pl.DataFrame, timed: pl.DataFrame, period: Period, filters: Filters) -> dict[str, object]:
    """The core figures for one period: volume, reputation, response."""
    # Only the columns these figures read: filtering copies every column it keeps.
    in_period = _within(marked.select(HEADLINE_COLUMNS), "created_at", period).filter(filters.expr())
    period_cases = _within(timed, "started_at", period).filter(filters.expr())
    return {**volume(in_period), **reputation(in_period), "response": response_summary(period_cases)}


def _change(now: dict[str, object], before: dict[str, object]) -> dict[str, object]:
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
    }


GROUP_COLUMNS = {"platform": "platform", "theme": "themes", "woonkern": "woonkernen"}


def series(in_period: pl.DataFrame, period_cases: pl.DataFrame, tz: str, by: str | None = None) -> dict[str, pl.DataFrame]:
    """Per day, week (starting Monday) and month, overall or per platform, theme or woonkern (`by`):
    mentions, negative share, Net Sentiment, reputation index, cases, response rate and median business
    minutes. Buckets without data are left out. Mentions are counted per day once; weeks and months add
    up those days. A mention counts for each of its themes and woonkernen."""
    column = GROUP_COLUMNS.get(by or "")
    keys = [by] if by else []
    mentions_src = in_period.select("local_day", "is_own", "sentiment_label", *([column] if column else []))
    cases_src = period_cases.select("answered", "business_minutes", "started_at", *([column] if column else []))
    if column and column != "platform":
        mentions_src = mentions_src.explode(column, empty_as_null=True).drop_nulls(column)
        cases_src = cases_src.explode(column, empty_as_null=True).drop_nulls(column)
    if column:
        mentions_src = mentions_src.rename({column: by})
        cases_src = cases_src.rename({column: by})
    daily = mentions_src.group_by(pl.col("local_day").alias("day"), *keys).agg(mentions=pl.len(), **count_exprs())
    cases_by_day = cases_src.select("answered", "business_minutes", *keys,
                                    day=pl.col("started_at").dt.convert_time_zone(tz).dt.date())
    result = {}
    for name, every in (("daily", "1d"), ("weekly", "1w"), ("monthly", "1mo")):
        bucket = pl.col("day").dt.truncate(every).alias("start")
        mentions = daily.group_by(bucket, *keys).agg(pl.col("mentions", "positive", "neutral", "negative").sum())
        responses = cases_by_day.group_by(bucket, *keys).agg(
            cases=pl.len(), answered=pl.col("answered").sum(), median_business_minutes=pl.col("business_minutes").median())
        joined = mentions.join(responses, on=["start", *keys], how="full", coalesce=True).sort("start", *keys)
        result[name] = joined.with_columns(
            pl.col("mentions").fill_null(0), pl.col("cases").fill_null(0), pl.col("answered").fill_null(0),
            pl.col("positive", "neutral", "negative").fill_null(0),
        ).with_columns(
            **ratio_exprs(), response_rate=pl.when(pl.col("cases") > 0).then(pl.col("answered") / pl.col("cases"))
        ).drop("positive", "neutral", "negative")
    return result


def breakdown(in_period: pl.DataFrame, period_cases: pl.DataFrame, key: str) -> pl.DataFrame:
    """Per platform, theme or woonkern (a mention can count for several themes and woonkernen)."""
    column = GROUP_COLUMNS[key]
    # Only the columns the figures need: exploding a list column copies every column alongside it.
    mentions = in_period.select(column, "is_own", "sentiment_label")
    responses = period_cases.select(column, "answered", "business_minutes", "within_norm")
    if column != "platform":
        mentions = mentions.explode(column, empty_as_null=True).drop_nulls(column)
        responses = responses.explode(column, empty_as_null=True).drop_nulls(column)
    by_mentions = mentions.group_by(pl.col(column).alias(key)).agg(mentions=pl.len(), **count_exprs()).with_columns(
        **ratio_exprs()).drop("positive", "neutral", "negative")
    by_cases = responses.group_by(pl.col(column).alias(key)).agg(
        cases=pl.len(), answered=pl.col("answered").sum(), median_business_minutes=pl.col("business_minutes").median(),
        within_norm=pl.col("within_norm").sum())
    joined = by_mentions.join(by_cases, on=key, how="full", coalesce=True)
    return joined.with_columns(
        pl.col("mentions").fill_null(0), pl.col("cases").fill_null(0), pl.col("answered").fill_null(0),
        pl.col("within_norm").fill_null(0),
    ).with_columns(
        response_rate=pl.when(pl.col("cases") > 0).then(pl.col("answered") / pl.col("cases")),
        within_norm_share=pl.when(pl.col("cases") > 0).then(pl.col("within_norm") / pl.col("cases")),
    ).drop("within_norm").sort(["mentions", key], descending=[True, False])


def compute_frames(marked: pl.DataFrame, timed: pl.DataFrame, period: Period, settings: Settings,
                   filters: Filters = Filters(), privacy: Pseudonymiser | None = None) -> dict[str, object]:
    """Every figure for `period` from prepared frames that cover it, the period before, and a year earlier.

    With `privacy`, residents in the outputs that name authors are pseudonymised."""
    privacy = privacy or Pseudonymiser(b"", enabled=False)
    current = headline(marked, timed, period, filters)
    # Without texts: the few posts shown get theirs back from `marked` (a copy of every text is the
    # single biggest allocation on a large period).
    in_period = _within(marked.select(PERIOD_COLUMNS), "created_at", period).filter(filters.expr())
    period_cases = _within(timed, "started_at", period).filter(filters.expr())
    tz = str(period.tz)
    authors = author_stats(in_period)
    return {
        "period": {"from": period.first_day.isoformat(), "to": period.last_day.isoformat(), "timezone": tz,
                   "filters": filters.as_dict()},
        **current,
        "change": {
            "previous_period": _change(current, headline(marked, timed, period.previous(), filters)),
            "year_earlier": _change(current, headline(marked, timed, period.year_earlier(), filters)),
        },
        "reach": reach(in_period, authors),
        "top_posts_by_reach": _private_posts(
            with_texts(top_posts(in_period, "reach", settings.top), marked), privacy, settings),
        "top_posts_by_engagement": _private_posts(
            with_texts(top_posts(in_period, "engagement", settings.top), marked), privacy, settings),
        "top_authors": privacy.names(top_authors(authors, in_period, settings.top), followers="followers"),
        "broadcasting": broadcasting(marked, in_period, settings.calendar),
        "response_by_platform": response_by(period_cases, "platform"),
        "response_by_weekday_hour": response_by(period_cases, "weekday", "hour"),
        "unanswered_cases": privacy.names(period_cases.filter(~pl.col("answered")).select(
            "platform", "thread", "resident", "started_at", "first_id").sort("started_at"),
            author="resident", followers=None, own=None),
        "series": series(in_period, period_cases, tz),
        "series_by": {key: series(in_period, period_cases, tz, by=key) for key in GROUP_COLUMNS},
        "spikes": _private_spikes(detect(marked.filter(filters.expr()) if filters.as_dict() else marked,
                                         period.start, period.end, tz, top=3), privacy, settings),
        "by_platform": breakdown(in_period, period_cases, "platform"),
        "by_theme": breakdown(in_period, period_cases, "theme"),
        "by_woonkern": breakdown(in_period, period_cases, "woonkern"),
    }


def with_texts(posts: pl.DataFrame, marked: pl.DataFrame) -> pl.DataFrame:
    """The posts with their text and url, looked up by key in `marked`."""
    texts = marked.filter(pl.col("key").is_in(posts["key"].implode())).select("key", "text", "url")
    return posts.join(texts, on="key", how="left", maintain_order="left").select(
        "platform", "id", "created_at", "author", "is_own", "author_followers", "text", "url", "reach",
        "engagement", "sentiment_label")


def _private_posts(posts: pl.DataFrame, privacy: Pseudonymiser, settings: Settings) -> pl.DataFrame:
    return privacy.texts(privacy.names(posts), settings.own_handles)


def _private_spikes(found: list[dict[str, object]], privacy: Pseudonymiser, settings: Settings) -> list[dict[str, object]]:
    return [{**episode, "top_posts": _private_posts(episode["top_posts"], privacy, settings)} for episode in found]


def load_window(con: duckdb.DuckDBPyConnection, period: Period, window_hours: float) -> pl.DataFrame:
    """The mentions the metrics of `period` need: from a year before it (for comparisons), minus the
    thread look-back, to the response window after it."""
    start = period.year_earlier().start - LOOKBACK
    return load_mentions(con, start, period.end + timedelta(hours=window_hours))


def compute(con: duckdb.DuckDBPyConnection, config: Config, period: Period, filters: Filters = Filters()) -> dict[str, object]:
    """Every metric for `period` from the database, residents pseudonymised as the config says, with the
    peer benchmark when the config names peers."""
    settings = settings_of(config)
    marked, timed = prepare(load_window(con, period, settings.window_hours), settings)
    result = compute_frames(marked, timed, period, settings, filters, pseudonymiser_of(config))
    result["peers"] = [peers.row(config, result), *peers.peer_rows(config, period, peer_headline)] if config.peers else []
    return result


def peer_headline(con: duckdb.DuckDBPyConnection, config: Config, period: Period) -> dict[str, object]:
    """A peer's headline figures for `period` (volume, reputation, response) from its own database."""
    settings = settings_of(config)
    start = period.start - LOOKBACK
    frame = load_mentions(con, start, period.end + timedelta(hours=settings.window_hours))
    marked, timed = prepare(frame, settings)
    return headline(marked, timed, period, Filters())
