"""Webcare response: threads, inbound cases per resident, and the municipality's first response.

Definitions (docs/metrics.md): a thread is the mentions sharing conversation_id, else the root of the
in_reply_to chain, on one platform. A message is inbound when a non-own author wrote it and it mentions
an own handle, replies (directly or further up) to an own message, or sits in a thread with an own
message. A case is (thread, resident) and starts at the resident's first inbound message there. Its
response is the first own message after that, in the same thread, that replies to one of the resident's
messages or mentions the resident's handle; the case is answered when that comes within the window."""

from __future__ import annotations

import re

import polars as pl

from ..schedule import BusinessCalendar
from .business_time import is_open, office_minutes

MENTION = r"@([A-Za-z0-9_][A-Za-z0-9_.\-]*(?:@[A-Za-z0-9_.\-]+)?)"
MAX_DEPTH = 1024  # reply chains deeper than this are cut (real threads are far shallower)


def normalised_handle(column: pl.Expr, platform: pl.Expr) -> pl.Expr:
    """Lower case, no leading @, and for Mastodon no @instance (matching config.normalise_handle)."""
    handle = column.str.strip_chars().str.strip_chars_start("@").str.to_lowercase()
    return pl.when(platform == "mastodon").then(handle.str.split("@").list.first()).otherwise(handle)


def key(platform: str | pl.Expr, value: str | pl.Expr) -> pl.Expr:
    """A 64-bit key for (platform, value): joins and groupings on one integer instead of two strings.
    (With 10 million posts the chance of any two keys colliding is about 3 in a million.)"""
    platform = pl.col(platform) if isinstance(platform, str) else platform
    value = pl.col(value) if isinstance(value, str) else value
    # Two column hashes combined: cheaper than hashing a struct of both (which builds the struct first).
    return pl.when(value.is_not_null()).then(platform.hash(11).xor(value.hash(20261123)))


def mark_own(mentions: pl.DataFrame, own_handles: dict[str, set[str]]) -> pl.DataFrame:
    """Add `author` (normalised handle), `author_key` and `is_own` (written by an own account)."""
    own = pl.DataFrame(
        [(p, h) for p, handles in own_handles.items() for h in handles],
        schema={"platform": pl.String, "author": pl.String}, orient="row",
    ).select(author_key=key("platform", "author"))["author_key"]
    frame = mentions.with_columns(author=normalised_handle(pl.col("author_handle"), pl.col("platform")))
    # Adding columns shares the others; a join would copy every column of every post.
    return frame.with_columns(author_key=key("platform", "author")).with_columns(
        is_own=pl.col("author_key").is_in(own.implode()))


def threads(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `key` (of the post), `parent_key`, `thread` and `thread_key`: the thread is the conversation_id,
    else the root of the in_reply_to chain (climbing until a post with a conversation_id, a post that
    replies to nothing, or a parent outside the data, whose id then names the thread, so replies to the
    same missing post stay together)."""
    frame = frame.with_columns(key=key("platform", "id"), parent_key=key("platform", "in_reply_to_id"))
    rows = frame.select("key", "parent_key").with_row_index("row")
    # Each post's parent as a row number (null: no parent, or a parent outside the data).
    parent = rows.select("parent_key").join(
        rows.select(pl.col("key").alias("parent_key"), pl.col("row").alias("parent_row")),
        on="parent_key", how="left", maintain_order="left",
    )["parent_row"]
    ends = frame["conversation_id"].is_not_null() | parent.is_null()
    # Pointer jumping: every post points at its parent until the chain ends; each round doubles the
    # distance covered, so a chain of depth d takes log2(d) vectorised gathers instead of d joins.
    top = pl.select(pl.when(ends).then(pl.int_range(frame.height, dtype=pl.UInt32)).otherwise(parent)).to_series()
    for _ in range(MAX_DEPTH.bit_length()):
        jumped = top.gather(top)
        if jumped.equals(top):
            break
        top = jumped
    end = frame.select("conversation_id", "in_reply_to_id", "id").with_columns(
        outside=parent.is_null() & pl.col("in_reply_to_id").is_not_null())
    end = end.select(thread=pl.coalesce("conversation_id", pl.when("outside").then("in_reply_to_id"), "id"))
    return frame.with_columns(thread=end["thread"].gather(top)).with_columns(thread_key=key("platform", "thread"))


def cases(frame: pl.DataFrame, own_handles: dict[str, set[str]], window_hours: float) -> pl.DataFrame:
    """Return one row per case from mentions marked by `mark_own` and `threads`: platform, thread,
    resident, started_at, first message id, responded_at (first qualifying own message, or null),
    answered (within the window), and response_minutes (calendar minutes, null when not answered)."""
    # One search per distinct set of own handles (usually one for all platforms), not per platform.
    by_handles: dict[tuple[str, ...], list[str]] = {}
    for platform, handles in own_handles.items():
        if handles:
            by_handles.setdefault(tuple(sorted(handles)), []).append(platform)
    mentions_own = pl.lit(False)
    for handles, platforms in by_handles.items():
        pattern = "(?i)@(?:" + "|".join(re.escape(h) for h in handles) + r")\b"
        mentions_own = mentions_own | (pl.col("platform").is_in(platforms) & pl.col("text").str.contains(pattern))
    # Threads with an own message, as a membership test rather than a join of every post.
    with_own = frame.filter("is_own")["thread_key"].unique()
    inbound = (
        frame.select("platform", "thread", "thread_key", "author", "author_key", "created_at", "id", "key", "is_own",
                     mentions_own=mentions_own, thread_has_own=pl.col("thread_key").is_in(with_own.implode()))
        # "Replies (directly or further up) to an own message" needs no test of its own: that own
        # message is in the same thread, so the thread contains an own message.
        .filter(~pl.col("is_own") & (pl.col("mentions_own") | pl.col("thread_has_own")))
    )
    opened = inbound.group_by("thread_key", "author_key").agg(
        platform=pl.col("platform").first(), thread=pl.col("thread").first(), resident=pl.col("author").first(),
        started_at=pl.col("created_at").min(),
        first_id=pl.col("id").get(pl.col("created_at").arg_min()),
        first_key=pl.col("key").get(pl.col("created_at").arg_min()),
    )
    # Own messages that could answer a resident: a reply to one of their messages, or naming them.
    own = frame.filter("is_own").select("platform", "thread_key", "parent_key", "created_at", "text")
    parents = frame.select(pl.col("key").alias("parent_key"), "author_key")
    by_reply = own.join(parents, on="parent_key", how="inner").select(
        "thread_key", "author_key", pl.col("created_at").alias("responded_at"))
    by_name = (
        own.select("platform", "thread_key", pl.col("created_at").alias("responded_at"),
                   named=pl.col("text").str.extract_all(MENTION))
        .explode("named", empty_as_null=True).drop_nulls("named")
        # Handles are compared normalised, Mastodon ones without their @instance, like everywhere else.
        .with_columns(named=normalised_handle(pl.col("named").str.strip_chars_end("."), pl.col("platform")))
        .select("thread_key", author_key=key("platform", "named"), responded_at="responded_at")
    )
    answers = pl.concat([by_reply, by_name])
    first = (
        opened.select("thread_key", "author_key", "started_at")
        .join(answers, on=["thread_key", "author_key"], how="inner")
        .filter(pl.col("responded_at") > pl.col("started_at"))
        .group_by("thread_key", "author_key")
        .agg(pl.col("responded_at").min())
    )
    window = pl.duration(minutes=round(window_hours * 60))
    return (
        opened.join(first, on=["thread_key", "author_key"], how="left")
        .with_columns(answered=(pl.col("responded_at") - pl.col("started_at") <= window).fill_null(False))
        .with_columns(
            response_minutes=pl.when("answered").then(
                (pl.col("responded_at") - pl.col("started_at")).dt.total_microseconds() / 60e6
            )
        )
        .select("platform", "thread", "resident", "started_at", "first_id", "first_key", "responded_at", "answered",
                "response_minutes")
        .sort("started_at", "platform", "thread", "resident")
    )


def with_timing(case_rows: pl.DataFrame, calendar: BusinessCalendar, norm_hours: float) -> pl.DataFrame:
    """Add office-hours timing to cases: business_minutes (office time to the response, answered
    cases only), within_norm, arrived_in_office_hours, and the local weekday (1 = Monday) and hour of arrival."""
    business = office_minutes(calendar, case_rows["started_at"], case_rows["responded_at"])
    local = pl.col("started_at").dt.convert_time_zone(str(calendar.tz))
    return case_rows.with_columns(
        business_minutes=pl.when(pl.col("answered")).then(business),
        arrived_in_office_hours=is_open(calendar, case_rows["started_at"]),
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
    return {
        "cases": cases_n,
        "answered": answered.height,
        "unanswered": cases_n - answered.height,
        "rate": answered.height / cases_n if cases_n else None,
        "first_response_minutes": _stats(answered["response_minutes"]),
        "first_response_business_minutes": _stats(answered["business_minutes"]),
        "within_norm_share": timed["within_norm"].sum() / cases_n if cases_n else None,
        "arrivals_in_office_hours": arrived_open,
        "arrivals_outside_office_hours": cases_n - arrived_open,
    }


def response_by(timed: pl.DataFrame, *keys: str) -> pl.DataFrame:
    """Cases, answered, rate, median business minutes and within-norm share per group of `keys`."""
    return (
        timed.group_by(*keys)
        .agg(
            cases=pl.len(),
            answered=pl.col("answered").sum(),
            median_business_minutes=pl.col("business_minutes").median(),
            median_minutes=pl.col("response_minutes").median(),
            within_norm=pl.col("within_norm").sum(),
        )
        .with_columns(rate=pl.col("answered") / pl.col("cases"), within_norm_share=pl.col("within_norm") / pl.col("cases"))
        .sort(*keys)
    )
