"""Webcare response: threads, inbound cases per resident, and the municipality's first response.

Definitions (docs/metrics.md): a thread is the mentions sharing conversation_id, else the root of the
in_reply_to chain, on one platform. A message is inbound when a non-own author wrote it and it mentions
an own handle, replies (directly or further up) to an own message, or sits in a thread with an own
message. A case is (thread, resident) and starts at the resident's first inbound message there. Its
response is the first own message after that, in the same thread, that replies to one of the resident's
messages or mentions the resident's handle; the case is answered when that comes within the window."""

from __future__ import annotations

import polars as pl

from ..schedule import BusinessCalendar
from .business_time import is_open, office_minutes

MENTION = r"@([A-Za-z0-9_][A-Za-z0-9_.\-]*(?:@[A-Za-z0-9_.\-]+)?)"
MAX_DEPTH = 64  # reply chains deeper than this are cut (real threads are far shallower)


def normalised_handle(column: pl.Expr, platform: pl.Expr) -> pl.Expr:
    """Lower case, no leading @, and for Mastodon no @instance (matching config.normalise_handle)."""
    handle = column.str.strip_chars().str.strip_chars_start("@").str.to_lowercase()
    return pl.when(platform == "mastodon").then(handle.str.split("@").list.first()).otherwise(handle)


def mark_own(mentions: pl.DataFrame, own_handles: dict[str, set[str]]) -> pl.DataFrame:
    """Add `author` (normalised handle) and `is_own` (written by one of the municipality's accounts)."""
    own = pl.DataFrame(
        [(p, h) for p, handles in own_handles.items() for h in handles],
        schema={"platform": pl.String, "author": pl.String}, orient="row",
    ).with_columns(pl.lit(True).alias("is_own"))
    frame = mentions.with_columns(author=normalised_handle(pl.col("author_handle"), pl.col("platform")))
    return frame.join(own, on=["platform", "author"], how="left").with_columns(pl.col("is_own").fill_null(False))


def threads(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `thread`: the conversation_id, else the root of the in_reply_to chain (climbing until a post
    with a conversation_id, a post that replies to nothing, or a parent outside the data, whose id then
    names the thread, so replies to the same missing post stay together)."""
    nodes = frame.select("platform", "id", "in_reply_to_id", "conversation_id")
    direct = nodes.filter(pl.col("conversation_id").is_not_null() | pl.col("in_reply_to_id").is_null()).select(
        "platform", "id", thread=pl.coalesce("conversation_id", "id"))
    parents = nodes.select("platform", pl.col("id").alias("cursor"), pl.col("in_reply_to_id").alias("next"),
                           pl.col("conversation_id").alias("parent_thread"), pl.lit(True).alias("known"))
    pending = nodes.filter(pl.col("conversation_id").is_null() & pl.col("in_reply_to_id").is_not_null()).select(
        "platform", "id", pl.col("in_reply_to_id").alias("cursor"))
    found = [direct]
    for _ in range(MAX_DEPTH):
        if pending.is_empty():
            break
        step = pending.join(parents, on=["platform", "cursor"], how="left")
        ends = pl.col("known").is_null() | pl.col("parent_thread").is_not_null() | pl.col("next").is_null()
        found.append(step.filter(ends).select("platform", "id", thread=pl.coalesce("parent_thread", "cursor")))
        pending = step.filter(~ends).select("platform", "id", pl.col("next").alias("cursor"))
    if not pending.is_empty():  # deeper than MAX_DEPTH: cut there
        found.append(pending.select("platform", "id", thread=pl.col("cursor")))
    return frame.join(pl.concat(found), on=["platform", "id"], how="left")


def cases(frame: pl.DataFrame, own_handles: dict[str, set[str]], window_hours: float) -> pl.DataFrame:
    """Return one row per case from mentions marked by `mark_own` and `threads`: platform, thread,
    resident, started_at, first message id, responded_at (first qualifying own message, or null),
    answered (within the window), and response_minutes (calendar minutes, null when not answered)."""
    own_patterns = {p: "(?i)@(" + "|".join(sorted(h)) + r")\b" for p, h in own_handles.items() if h}
    mentions_own = pl.lit(False)
    for platform, pattern in own_patterns.items():
        mentions_own = mentions_own | ((pl.col("platform") == platform) & pl.col("text").str.contains(pattern))
    frame = frame.with_columns(
        thread_has_own=pl.col("is_own").any().over("platform", "thread"),
        mentions_own=mentions_own,
    ).with_columns(
        # "Replies (directly or further up) to an own message" needs no test of its own: that own
        # message is in the same thread, so the thread contains an own message.
        inbound=~pl.col("is_own") & (pl.col("mentions_own") | pl.col("thread_has_own"))
    )
    opened = (
        frame.filter("inbound")
        .sort("created_at", "id")
        .group_by("platform", "thread", "author", maintain_order=True)
        .agg(started_at=pl.col("created_at").first(), first_id=pl.col("id").first())
        .rename({"author": "resident"})
    )
    # Own messages that could answer a resident: a reply to one of their messages, or naming them.
    authors = frame.select("platform", pl.col("id").alias("in_reply_to_id"), pl.col("author").alias("parent_author"))
    own = frame.filter("is_own").join(authors, on=["platform", "in_reply_to_id"], how="left")
    named = own.with_columns(
        named=pl.col("text").str.extract_all(MENTION).list.eval(
            normalised_handle(pl.element(), pl.lit("x")).str.strip_chars_end(".")
        )
    )
    by_reply = own.select("platform", "thread", pl.col("created_at").alias("responded_at"),
                          pl.col("parent_author").alias("resident")).drop_nulls("resident")
    by_name = (
        named.select("platform", "thread", pl.col("created_at").alias("responded_at"), pl.col("named").alias("resident"))
        .explode("resident", empty_as_null=True).drop_nulls("resident")
        # Mastodon handles are compared without their @instance, like everywhere else.
        .with_columns(resident=normalised_handle(pl.col("resident"), pl.col("platform")))
    )
    answers = pl.concat([by_reply, by_name]).unique()
    first = (
        opened.join(answers, on=["platform", "thread", "resident"], how="inner")
        .filter(pl.col("responded_at") > pl.col("started_at"))
        .group_by("platform", "thread", "resident")
        .agg(pl.col("responded_at").min())
    )
    window = pl.duration(minutes=round(window_hours * 60))
    return (
        opened.join(first, on=["platform", "thread", "resident"], how="left")
        .with_columns(answered=(pl.col("responded_at") - pl.col("started_at") <= window).fill_null(False))
        .with_columns(
            response_minutes=pl.when("answered").then(
                (pl.col("responded_at") - pl.col("started_at")).dt.total_microseconds() / 60e6
            )
        )
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
    return {
        "cases": cases_n,
        "answered": answered.height,
        "unanswered": cases_n - answered.height,
        "rate": answered.height / cases_n if cases_n else None,
        "first_response_minutes": _stats(answered["response_minutes"]),
        "first_response_business_minutes": _stats(answered["business_minutes"]),
        "within_norm_share": timed["within_norm"].sum() / cases_n if cases_n else None,
        "arrivals_in_office_hours": int(timed["arrived_in_office_hours"].sum()),
        "arrivals_outside_office_hours": cases_n - int(timed["arrived_in_office_hours"].sum()),
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
