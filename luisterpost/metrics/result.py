"""The shape of the metrics result: what `compute` returns, `luisterpost metrics --json` prints and the
reports read, declared once as typed dicts (docs/metrics.md, "Het resultaat · The result").

Figures are computed in `metrics/` and only formatted in `report/`; this module is the contract between the
two. Every key is declared (an undeclared key is refused, a declared one may not be missing) and every frame
names the columns its readers rely on, so a renamed key or column fails validation (and its test) rather
than a report at render time. `check` validates a result with pydantic over these declarations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import polars as pl
from pydantic import ConfigDict, TypeAdapter, ValidationError, ValidationInfo, with_config
from pydantic_core import core_schema
from typing_extensions import TypedDict  # pydantic needs this TypedDict on Python < 3.12


class Columns:
    """A frame's declared columns: the value must be a polars DataFrame with at least these columns. Only
    the column names are looked at, never the rows, so checking a year's frames costs no more than a day's.
    Validated with the context {"narrow": True}, the frame comes back cut to exactly these columns (so a
    reader of an undeclared column fails; see tests/test_metrics_contract.py)."""

    def __init__(self, *names: str) -> None:
        self.names = names

    def __repr__(self) -> str:
        return f"Columns{self.names!r}"

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.with_info_plain_validator_function(self._check)

    def _check(self, value: object, info: ValidationInfo) -> pl.DataFrame:
        if not isinstance(value, pl.DataFrame):
            raise ValueError(f"expected a polars DataFrame, got {type(value).__name__}")
        missing = [name for name in self.names if name not in value.columns]
        if missing:
            raise ValueError(f"missing column(s) {', '.join(missing)} (the frame has {', '.join(value.columns)})")
        if info.context and info.context.get("narrow"):
            return value.select(self.names)
        return value


def frame(*names: str) -> Any:
    """The type of a frame with (at least) the columns `names`."""
    return Annotated[pl.DataFrame, Columns(*names)]


# Strict: a count must be an int and a moment a datetime, not something pydantic could turn into one.
CONTRACT = ConfigDict(extra="forbid", strict=True)

# ---- headline figures (also the comparisons' and the peers' input) ----


@with_config(CONTRACT)
class Volume(TypedDict):
    mentions: int
    unique_authors: int
    own_posts: int
    own_share: float | None


@with_config(CONTRACT)
class Reputation(TypedDict):
    labelled: int
    positive: int
    neutral: int
    negative: int
    positive_share: float | None
    neutral_share: float | None
    negative_share: float | None
    net_sentiment: float | None
    reputation_index: float | None


@with_config(CONTRACT)
class Stats(TypedDict):
    median: float | None
    p90: float | None
    mean: float | None


@with_config(CONTRACT)
class NeedsReply(TypedDict):
    cases: int | None
    answered: int | None
    unanswered: int | None
    rate: float | None


@with_config(CONTRACT)
class Response(TypedDict):
    """Webcare response over the period's cases; every figure null when it cannot be measured."""
    cases: int | None
    answered: int | None
    unanswered: int | None
    rate: float | None
    unanswered_share: float | None
    first_response_minutes: Stats
    first_response_business_minutes: Stats
    within_norm_share: float | None
    arrivals_in_office_hours: int | None
    arrivals_outside_office_hours: int | None
    needs_reply: NeedsReply


@with_config(CONTRACT)
class NotMeasured(TypedDict):
    platform: str
    reason: str


@with_config(CONTRACT)
class MeasuredResponse(Response):
    """`Response` with the platforms it leaves out; `reason` is set when none could be measured."""
    not_measured: list[NotMeasured]
    reason: str | None


@with_config(CONTRACT)
class Headline(Volume, Reputation):
    """The core figures of a period (compute.headline): volume, reputation, response."""
    response: Response


# ---- the period's result ----

PeriodInfo = with_config(CONTRACT)(TypedDict("PeriodInfo", {"from": str, "to": str, "timezone": str,
                                                            "filters": dict[str, str]}))


@with_config(CONTRACT)
class Change(TypedDict):
    """The figures of an earlier period and the change now − then (relative for mentions)."""
    mentions: int
    mentions_change: float | None
    net_sentiment: float | None
    net_sentiment_change: float | None
    reputation_index: float | None
    reputation_index_change: float | None
    negative_share: float | None
    negative_share_change: float | None
    response_rate: float | None
    response_rate_change: float | None
    median_business_minutes: float | None
    median_business_minutes_change: float | None
    within_norm_share: float | None
    within_norm_share_change: float | None


@with_config(CONTRACT)
class Changes(TypedDict):
    previous_period: Change
    year_earlier: Change


@with_config(CONTRACT)
class Reach(TypedDict):
    # None: no mention in the period carries what the figure is made of (unknown, not 0).
    potential_reach: int | None
    unique_author_reach: int | None
    engagement: int | None
    earned_impressions: float | None


@with_config(CONTRACT)
class Tagged(TypedDict):
    """How the period's mentions are tagged with themes or woonkernen (volume.tagged)."""
    mentions: int
    without: int  # no theme / no woonkern
    several: int  # more than one: counted once for each in the breakdown


@with_config(CONTRACT)
class OwnNotMeasured(TypedDict):
    platform: str
    own_posts: int
    reason: str


@with_config(CONTRACT)
class Broadcasting(TypedDict):
    own_posts: int
    measured: int
    broadcasts: int | None
    replies: int | None
    broadcast_share: float | None
    reply_share: float | None
    outside_office_hours: int
    outside_office_hours_share: float | None
    not_measured: list[OwnNotMeasured]
    reason: str | None


POST = ("platform", "id", "created_at", "author", "author_followers", "is_own", "text", "engagement",
        "sentiment_label")
TOP_POSTS = frame(*POST, "url", "reach")
RESPONSE_BY = ("cases", "answered", "within_norm", "rate", "within_norm_share", "median_business_minutes",
               "median_minutes")
SERIES = ("start", "mentions", "negative_share", "net_sentiment", "reputation_index", "cases", "answered",
          "response_rate", "median_business_minutes")
BREAKDOWN = ("mentions", "negative_share", "net_sentiment", "reputation_index", "cases", "answered",
             "median_business_minutes", "response_rate", "within_norm_share")


def _series(name: str, *by: str) -> Any:
    """Per day, week and month (`rollup.series`), with the grouping column `by` when there is one."""
    return with_config(CONTRACT)(TypedDict(name, {every: frame(*by, *SERIES) for every in ("daily", "weekly", "monthly")}))


Series = _series("Series")


@with_config(CONTRACT)
class SeriesBy(TypedDict):
    platform: _series("PlatformSeries", "platform")  # type: ignore[valid-type]
    theme: _series("ThemeSeries", "theme")  # type: ignore[valid-type]
    woonkern: _series("WoonkernSeries", "woonkern")  # type: ignore[valid-type]


Granularity = Literal["day", "hour"]


@with_config(CONTRACT)
class SpikeEpisode(TypedDict):
    """The episode that tells one kind of a spike event (spikes._told)."""
    granularity: Granularity
    start: datetime
    until: datetime
    peak: datetime
    peak_count: int
    baseline: float
    factor: float
    buckets: int
    severity: int


@with_config(CONTRACT)
class SpikeEvent(TypedDict):
    """One spike event (spikes.detect): its times, kinds and severity, each kind's episode (or None), and
    what residents posted in it."""
    start: datetime
    until: datetime
    granularity: Granularity
    kinds: list[Literal["volume", "negativity"]]
    severity: int
    volume: SpikeEpisode | None
    negativity: SpikeEpisode | None
    posts: int
    negative_posts: int
    busiest_hour: datetime | None
    busiest_hour_posts: int
    top_terms: list[str]
    top_posts: frame(*POST)  # type: ignore[valid-type]


@with_config(CONTRACT)
class PeerRow(TypedDict):
    """One municipality's benchmark row (peers.row)."""
    municipality: str
    population: int | None
    population_source: str
    mentions: int
    mentions_per_10k: float | None
    negative_per_10k: float | None
    net_sentiment: float | None
    negative_share: float | None
    response_rate: float | None
    median_business_minutes: float | None
    within_norm_share: float | None
    error: None


@with_config(CONTRACT)
class PeerError(TypedDict):
    """A peer whose config or database could not be read."""
    municipality: str
    error: str


@with_config(CONTRACT)
class FrameMetrics(Volume, Reputation):
    """Every figure of a period, as `compute_frames` returns it."""
    period: PeriodInfo  # type: ignore[valid-type]
    response: MeasuredResponse
    change: Changes
    reach: Reach
    top_posts_by_reach: TOP_POSTS  # type: ignore[valid-type]
    top_posts_by_engagement: TOP_POSTS  # type: ignore[valid-type]
    top_authors: frame("platform", "author", "mentions", "followers", "engagement", "is_own", "negative")  # type: ignore[valid-type]
    author_groups: frame("group", "authors", "mentions", "negative")  # type: ignore[valid-type]
    broadcasting: Broadcasting
    response_by_platform: frame("platform", *RESPONSE_BY)  # type: ignore[valid-type]
    response_by_weekday_hour: frame("weekday", "hour", *RESPONSE_BY)  # type: ignore[valid-type]
    unanswered_cases: frame("platform", "thread", "resident", "started_at", "first_id", "needs_reply")  # type: ignore[valid-type]
    series: Series  # type: ignore[valid-type]
    series_by: SeriesBy
    spikes: list[SpikeEvent]
    by_platform: frame("platform", *BREAKDOWN)  # type: ignore[valid-type]
    by_theme: frame("theme", *BREAKDOWN)  # type: ignore[valid-type]
    by_woonkern: frame("woonkern", *BREAKDOWN)  # type: ignore[valid-type]
    theme_tags: Tagged
    woonkern_tags: Tagged


@with_config(CONTRACT)
class MetricsResult(FrameMetrics):
    """Every figure of a period with the peer benchmark: what `compute` returns and reports read."""
    peers: list[PeerRow | PeerError]


RESULT = TypeAdapter(MetricsResult)


def check(result: MetricsResult) -> MetricsResult:
    """`result` itself (not a copy) once it has the declared shape; else ValueError naming each key path
    that is missing, undeclared or of the wrong type ("response.needs_reply.rate: Field required"). Cheap
    enough to run on every result: a few hundred small values, and of each frame only its column names."""
    try:
        RESULT.validate_python(result)
    except ValidationError as exc:
        # The key path and what is wrong, never the value: it may hold residents' posts.
        problems = [f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
                    for error in exc.errors(include_url=False, include_input=False)]
        raise ValueError("the metrics result does not match luisterpost/metrics/result.py:\n"
                         + "\n".join(problems)) from None
    return result


def narrowed(result: MetricsResult) -> MetricsResult:
    """A validated copy of `result` with only its declared keys and each frame cut to its declared columns:
    whatever reads it can only use what the contract promises."""
    return RESULT.validate_python(result, context={"narrow": True})
