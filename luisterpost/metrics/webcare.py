"""Webcare response: threads, inbound cases per resident, and the municipality's first response.

Definitions (docs/metrics.md): a thread is the mentions sharing conversation_id, else the root of the
in_reply_to chain, on one platform. A message is inbound when a non-own author wrote it and it mentions
an own handle, replies (directly or further up) to an own message, or sits in a thread with an own
message. A case is (thread, resident) and starts at the resident's first inbound message there. Its
response is the first own message after that, in the same thread, that replies to one of the resident's
messages or mentions the resident's handle; the case is answered when that comes within the window.

Everything here works on 64-bit keys and row numbers rather than strings: the names (thread, resident,
first message id) are looked up by row for the cases that are shown (`case_labels`, `unanswered`)."""

from __future__ import annotations

import re

import polars as pl

from ..schedule import BusinessCalendar
from .business_time import office_clock, open_at, opening_table
from .local_time import wall_clock

MENTION = r"@([A-Za-z0-9_][A-Za-z0-9_.\-]*(?:@[A-Za-z0-9_.\-]+)?)"
MAX_DEPTH = 1024  # reply chains deeper than this are cut (real threads are far shallower)


def normalised_handle(column: pl.Expr, platform: pl.Expr) -> pl.Expr:
    """Lower case, no surrounding spaces or leading @, and for Mastodon no @instance (matching
    config.normalise_handle)."""
    handle = column.str.strip_chars().str.strip_chars_start("@").str.to_lowercase()
    # Only Mastodon handles carry an @instance; cutting at the first @ leaves other handles as they are.
    return pl.when(platform == "mastodon").then(handle.str.replace(r"@.*", "")).otherwise(handle)


def key(platform: str | pl.Expr, value: str | pl.Expr) -> pl.Expr:
    """A 64-bit key for (platform, value): joins and groupings on one integer instead of two strings.
    (With 10 million posts the chance of any two keys colliding is about 3 in a million.)"""
    platform = pl.col(platform) if isinstance(platform, str) else platform
    value = pl.col(value) if isinstance(value, str) else value
    # Two column hashes combined: cheaper than hashing a struct of both (which builds the struct first).
    return pl.when(value.is_not_null()).then(platform.hash(11).xor(value.hash(20261123)))


def _pair(a: str, b: str) -> pl.Expr:
    """One 64-bit key for a pair of keys (a case: thread and resident)."""
    return pl.col(a).xor(pl.col(b).hash(7))


def own_keys(own_handles: dict[str, set[str]]) -> pl.Series:
    """The author keys of the own accounts."""
    return pl.DataFrame(
        [(p, h) for p, handles in own_handles.items() for h in handles],
        schema={"platform": pl.String, "author": pl.String}, orient="row",
    ).select(author_key=key("platform", "author"))["author_key"]


def mentions_own(own_handles: dict[str, set[str]]) -> pl.Expr:
    """Whether a post's text names an own handle of its platform."""
    # One search per distinct set of own handles (usually one for all platforms), not per platform.
    by_handles: dict[tuple[str, ...], list[str]] = {}
    for platform, handles in own_handles.items():
        if handles:
            by_handles.setdefault(tuple(sorted(handles)), []).append(platform)
    found = pl.lit(False)
    for handles, platforms in by_handles.items():
        pattern = "(?i)@(?:" + "|".join(re.escape(h) for h in handles) + r")\b"
        found = found | (pl.col("platform").is_in(platforms) & pl.col("text").str.contains(pattern))
    return found


AUTHOR = normalised_handle(pl.col("author_handle"), pl.col("platform")).alias("author")
# Handles that only hold these characters are normalised already; only the others (few) need the work.
ODD = ~pl.col("author_handle").str.contains(r"^[a-z0-9_.\-]*$").fill_null(False)


def _normalised(frame: pl.DataFrame, odd: pl.Series | None = None) -> pl.Series:
    """The normalised handle (`AUTHOR`) of each row of `frame` (platform, author_handle); `odd` is `ODD`
    over the frame when the caller has it."""
    handles = frame["author_handle"]
    if odd is None:
        odd = frame.select(ODD).to_series()
    if odd.any():
        rows = odd.arg_true()
        handles = handles.scatter(rows, frame.select("platform", "author_handle")[rows].select(AUTHOR).to_series())
    return handles.alias("author")


def author_keys(frame: pl.DataFrame, odd: pl.Series | None = None) -> pl.Series:
    """The key of each post's author: platform and normalised handle (`AUTHOR`)."""
    return frame.select(key("platform", pl.lit(_normalised(frame, odd)))).to_series().alias("author_key")


def author_names(frame: pl.DataFrame, rows: pl.Series) -> pl.Series:
    """The normalised handle (`AUTHOR`) of the posts at `rows`."""
    return _normalised(frame.select("platform", "author_handle")[rows])


def mark_own(mentions: pl.DataFrame, own_handles: dict[str, set[str]]) -> pl.DataFrame:
    """Add `author_key` (platform and normalised handle, see `AUTHOR`), `is_own` (written by an own
    account) and `mentions_own` (its text names an own handle)."""
    # Both text searches in one select, so they run side by side.
    found = mentions.select(ODD.alias("odd"), mentions_own(own_handles).alias("mentions_own"))
    return mentions.with_columns(author_key=author_keys(mentions, found["odd"]), mentions_own=found["mentions_own"]).with_columns(
        is_own=pl.col("author_key").is_in(own_keys(own_handles).implode()))


def threads(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `is_reply` (it names a post it replies to), `parent_row` (the parent's row, null when it has
    none or it is outside the data), `thread_row` (the row that names the thread) and `thread_key`: the
    thread is the conversation_id, else the root of the in_reply_to chain (climbing until a post with a
    conversation_id, a post that replies to nothing, or a parent outside the data, whose id then names
    the thread, so replies to the same missing post stay together)."""
    keys = frame.select(key=key("platform", "id"), parent_key=key("platform", "in_reply_to_id"))
    # Each reply's parent row (a join of the replies only), scattered back over all rows.
    rows = keys.with_row_index("row")
    found = rows.filter(pl.col("parent_key").is_not_null()).select("row", "parent_key").join(
        rows.select(pl.col("key").alias("parent_key"), pl.col("row").alias("parent_row")), on="parent_key", how="inner")
    parent = pl.repeat(None, frame.height, dtype=pl.UInt32, eager=True).alias("parent_row").scatter(
        found["row"], found["parent_row"])
    ends = frame["conversation_id"].is_not_null() | parent.is_null()
    # Pointer jumping: every post points at its parent until the chain ends; each round doubles the
    # distance covered, so a chain of depth d takes log2(d) vectorised gathers instead of d joins.
    top = pl.select(pl.when(ends).then(pl.int_range(frame.height, dtype=pl.UInt32)).otherwise(parent)).to_series()
    for _ in range(MAX_DEPTH.bit_length()):
        jumped = top.gather(top)
        if jumped.equals(top):
            break
        top = jumped
    # The thread's key, from the row at the top: its conversation, the missing parent, or its own id.
    named_by = keys.hstack(frame.select(key("platform", "conversation_id").alias("conversation"))).select(
        pl.coalesce("conversation", pl.when(parent.is_null()).then(pl.col("parent_key")), pl.col("key")))
    return frame.with_columns(is_reply=keys["parent_key"].is_not_null(), parent_row=parent, thread_row=top,
                              thread_key=named_by.to_series().gather(top))


def thread_names(frame: pl.DataFrame, rows: pl.Series) -> pl.Series:
    """The thread's name for each row of `frame` (marked by `threads`): conversation_id, the missing
    parent's id, or the root's id."""
    top = frame["thread_row"].gather(rows)
    at_top = frame.select("conversation_id", "in_reply_to_id", "id", "parent_row")[top]
    return at_top.select(pl.coalesce("conversation_id", pl.when(pl.col("parent_row").is_null())
                                     .then("in_reply_to_id"), "id").alias("thread")).to_series()


def cases(frame: pl.DataFrame, window_hours: float, carry: tuple[str, ...] = ()) -> pl.DataFrame:
    """Return one row per case, in the order they start, from mentions (in time order) marked by
    `mark_own` and `threads`: case_key, first_row (the row of the resident's first inbound message),
    started_at, responded_at (first qualifying own message, or null), answered (within the window),
    response_minutes (calendar minutes, null when not answered), and the first message's platform and
    `carry` columns."""
    if not frame["created_at"].is_sorted():
        raise ValueError("cases need the mentions in time order (see compute.prepare)")
    facts = frame.select("thread_key", "author_key", "is_own", "mentions_own")
    # Threads with an own message, as a membership test rather than a join of every post.
    with_own = facts.filter("is_own")["thread_key"].unique()
    # "Replies (directly or further up) to an own message" needs no test of its own: that own
    # message is in the same thread, so the thread contains an own message.
    inbound = ~pl.col("is_own") & (pl.col("mentions_own") | pl.col("thread_key").is_in(with_own.implode()))
    # In time order a case's first row is its first message; cases in the order they start.
    opened = (facts.with_row_index("row").filter(inbound)
              .group_by(case_key=_pair("thread_key", "author_key")).agg(first_row=pl.col("row").min())
              .sort("first_row"))
    started = frame["created_at"].gather(opened["first_row"]).alias("started_at").set_sorted()
    # Own messages that could answer a resident: a reply to one of their messages, or naming them.
    own = frame.select("platform", "thread_key", "parent_row", "created_at", "text", "is_own").filter("is_own")
    parent_author = frame["author_key"].gather(own["parent_row"])
    by_reply = own.select("thread_key", pl.col("created_at").alias("responded_at"),
                          author_key=parent_author).drop_nulls("author_key")
    by_name = (
        own.select("platform", "thread_key", pl.col("created_at").alias("responded_at"),
                   named=pl.col("text").str.extract_all(MENTION))
        .explode("named", empty_as_null=True).drop_nulls("named")
        # Handles are compared normalised, Mastodon ones without their @instance, like everywhere else.
        .with_columns(named=normalised_handle(pl.col("named").str.strip_chars_end("."), pl.col("platform")))
        .select("thread_key", "responded_at", author_key=key("platform", "named"))
    )
    answers = pl.concat([by_reply, by_name]).select(_pair("thread_key", "author_key").alias("case_key"), "responded_at")
    # The first answer after each case's start, put back at the case's position (no join back).
    first = (
        opened.select("case_key", started, case=pl.int_range(pl.len(), dtype=pl.UInt32))
        .join(answers, on="case_key", how="inner")
        .filter(pl.col("responded_at") > pl.col("started_at"))
        .group_by("case")
        .agg(pl.col("responded_at").min())
    )
    responded = pl.repeat(None, opened.height, dtype=started.dtype, eager=True).scatter(
        first["case"], first["responded_at"]).alias("responded_at")
    window = pl.duration(minutes=round(window_hours * 60))
    waited = pl.col("responded_at") - pl.col("started_at")
    found = (
        opened.with_columns(started, responded)
        .with_columns(answered=(waited <= window).fill_null(False))
        .with_columns(response_minutes=pl.when("answered").then(waited.dt.total_microseconds() / 60e6))
    )
    # What the first message says about the case (platform, and whatever the caller filters on).
    return found.hstack(frame.select("platform", *carry)[found["first_row"]])


def case_labels(timed: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    """The cases with their names looked up in `frame`: thread, resident (normalised handle) and the
    first message's id."""
    rows = timed["first_row"]
    return timed.with_columns(thread=thread_names(frame, rows), resident=author_names(frame, rows),
                              first_id=frame["id"].gather(rows))


def unanswered(timed: pl.DataFrame, frame: pl.DataFrame, limit: int | None = None) -> pl.DataFrame:
    """The unanswered cases among `timed`, named from `frame`: platform, thread, resident, started_at,
    first_id and needs_reply (opened by a question or complaint). With `limit`, that many: questions and
    complaints first, then the most recent; else all, in the order they start."""
    waiting = timed.select("platform", "started_at", "first_row", "answered", "needs_reply").filter(~pl.col("answered"))
    if limit is not None:
        waiting = waiting.sort(["needs_reply", "started_at"], descending=True).head(limit)
    return case_labels(waiting, frame).select("platform", "thread", "resident", "started_at", "first_id", "needs_reply")


NO_THREADS = ("no thread information: none of this platform's stored mentions has in_reply_to_id or "
              "conversation_id, so an answer cannot be told apart from a new post")


def threaded_platforms(frame: pl.DataFrame) -> set[str]:
    """The platforms of `frame` (mentions with in_reply_to_id and conversation_id) on which at least one
    mention carries thread information. On the others (an export without thread columns, say) no answer can
    be seen, so response and zenden-vs-luisteren figures cannot be measured there (docs/metrics.md)."""
    if frame.is_empty():
        return set()
    found = frame.group_by(pl.col("platform").cast(pl.String)).agg(
        threaded=(pl.col("in_reply_to_id").is_not_null() | pl.col("conversation_id").is_not_null()).any())
    return set(found.filter("threaded")["platform"].to_list())


def not_measured(platforms: pl.Series, threaded: set[str]) -> list[dict[str, str]]:
    """For each of `platforms` (those with mentions in the period) without thread information: the
    platform and why its webcare figures are not measured, in platform order."""
    return [{"platform": p, "reason": NO_THREADS}
            for p in sorted(set(platforms.cast(pl.String).unique().to_list()) - threaded)]


UNMEASURED_RESPONSE = {
    "cases": None, "answered": None, "unanswered": None, "rate": None, "unanswered_share": None,
    "first_response_minutes": {"median": None, "p90": None, "mean": None},
    "first_response_business_minutes": {"median": None, "p90": None, "mean": None},
    "within_norm_share": None, "arrivals_in_office_hours": None, "arrivals_outside_office_hours": None,
    "needs_reply": {"cases": None, "answered": None, "unanswered": None, "rate": None},
}


def with_timing(case_rows: pl.DataFrame, calendar: BusinessCalendar, norm_hours: float) -> pl.DataFrame:
    """Add office-hours timing to cases: business_minutes (office time to the response, answered
    cases only), within_norm, arrived_in_office_hours, and the local day, weekday (1 = Monday) and hour
    of arrival."""
    started, responded = case_rows["started_at"], case_rows["responded_at"]
    table = opening_table(calendar, started, responded)
    # Office time only for the answered cases: the others have none to measure.
    rows = case_rows["answered"].arg_true()
    business = pl.repeat(None, case_rows.height, dtype=pl.Float64, eager=True).scatter(
        rows, office_clock(table, responded.gather(rows)) - office_clock(table, started.gather(rows)))
    local = wall_clock(started, calendar.tz)
    return case_rows.with_columns(
        business_minutes=business,
        arrived_in_office_hours=open_at(table, started),
        local_day=local.dt.date(),
        weekday=local.dt.weekday(),
        hour=local.dt.hour(),
    ).with_columns(
        within_norm=pl.col("answered") & (pl.col("business_minutes") <= norm_hours * 60).fill_null(False)
    )


def _stats(values: pl.Series) -> dict[str, float | None]:
    values = values.drop_nulls()
    if values.is_empty():
        return {"median": None, "p90": None, "mean": None}
    # Linear interpolation between the two nearest ranks: numpy's default percentile method.
    return {"median": values.quantile(0.5, interpolation="linear"),
            "p90": values.quantile(0.9, interpolation="linear"), "mean": values.mean()}


def response_summary(timed: pl.DataFrame) -> dict[str, object]:
    """The response figures over the given (timed) cases, as plain values for JSON and reports."""
    cases_n = timed.height
    answered = timed.filter("answered")
    arrived_open = int(timed["arrived_in_office_hours"].sum() or 0)
    asking = timed.filter("needs_reply")
    asking_answered = int(asking["answered"].sum() or 0)
    return {
        "cases": cases_n,
        "answered": answered.height,
        "unanswered": cases_n - answered.height,
        "rate": answered.height / cases_n if cases_n else None,
        # What a median response time leaves out: a median over few answered cases flatters.
        "unanswered_share": (cases_n - answered.height) / cases_n if cases_n else None,
        "first_response_minutes": _stats(answered["response_minutes"]),
        "first_response_business_minutes": _stats(answered["business_minutes"]),
        "within_norm_share": timed["within_norm"].sum() / cases_n if cases_n else None,
        "arrivals_in_office_hours": arrived_open,
        "arrivals_outside_office_hours": cases_n - arrived_open,
        # Cases opened by a question or complaint (enrich.replies): the ones that most need an answer.
        "needs_reply": {
            "cases": asking.height,
            "answered": asking_answered,
            "unanswered": asking.height - asking_answered,
            "rate": asking_answered / asking.height if asking.height else None,
        },
    }


def response_by(timed: pl.DataFrame, *keys: str) -> pl.DataFrame:
    """Cases, answered, rate, median calendar and business minutes (over the answered cases) and
    within-norm share per group of `keys`."""
    counted = timed.group_by(*keys).agg(cases=pl.len(), answered=pl.col("answered").sum(),
                                        within_norm=pl.col("within_norm").sum())
    # Medians over the answered cases only: the rest have no response time.
    medians = timed.filter("answered").group_by(*keys).agg(
        median_business_minutes=pl.col("business_minutes").median(), median_minutes=pl.col("response_minutes").median())
    return (
        counted.join(medians, on=list(keys), how="left")
        .with_columns(rate=pl.col("answered") / pl.col("cases"), within_norm_share=pl.col("within_norm") / pl.col("cases"))
        .sort(*keys)
    )


DISTRIBUTION_EDGES = (0, 30, 60, 120, 240, 480, 960)  # office minutes: ½ h, 1 h, 2 h, 4 h, a day, two days


def response_distribution(timed: pl.DataFrame, norm_hours: float) -> pl.DataFrame:
    """Answered cases per band of first response time in office minutes, lower < minutes ≤ upper (the first
    band includes 0; the last has no upper): lower, upper, cases, share of the answered cases and within_norm
    (the band ends at or before the norm). The norm is always a band edge, so no band straddles it."""
    norm = norm_hours * 60
    edges = sorted({*DISTRIBUTION_EDGES, norm})
    minutes = timed.filter("answered")["business_minutes"].drop_nulls()
    # Band i holds edges[i] < minutes <= edges[i + 1]: the index of the first upper edge at or above it.
    band = pl.Series(edges[1:], dtype=pl.Float64).search_sorted(minutes, side="left")
    per_band = dict(band.value_counts().iter_rows())
    cases = [int(per_band.get(i, 0)) for i in range(len(edges))]
    total = sum(cases)
    upper = [*edges[1:], None]
    return pl.DataFrame({
        "lower": [float(e) for e in edges], "upper": upper, "cases": cases,
        "share": [c / total if total else None for c in cases],
        "within_norm": [u is not None and u <= norm for u in upper],
    }, schema={"lower": pl.Float64, "upper": pl.Float64, "cases": pl.Int64, "share": pl.Float64,
               "within_norm": pl.Boolean})
