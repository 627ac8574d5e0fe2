"""Zenden vs luisteren: of the own accounts' posts, how many broadcast and how many answer residents."""

from __future__ import annotations

import polars as pl

from ..schedule import BusinessCalendar
from .business_time import is_open
from .webcare import NO_THREADS


def broadcasting(frame: pl.DataFrame, in_period: pl.DataFrame, calendar: BusinessCalendar,
                 threaded: set[str] | None = None) -> dict[str, object]:
    """Own posts in `in_period` split into broadcasts (not a reply, or a reply to an own post: a thread of
    its own) and replies to residents (a reply to a resident's post, or to a post outside the data);
    `frame` supplies the parents. Also: own posts outside office hours.

    Only own posts on `threaded` platforms (webcare.threaded_platforms; all when None) can be told apart:
    elsewhere a reply looks like a new post. `measured` counts those; `not_measured` lists the other
    platforms with their own posts and the reason, and when no own post can be told apart the split is
    null with that `reason`."""
    own = in_period.filter("is_own")
    platforms = own["platform"].cast(pl.String)
    measurable = platforms.is_in(sorted(threaded)) if threaded is not None else pl.Series([True] * own.height)
    skipped = dict(platforms.filter(~measurable).value_counts().iter_rows()) if own.height else {}
    result: dict[str, object] = {
        "own_posts": own.height, "measured": 0, "broadcasts": None, "replies": None, "broadcast_share": None,
        "reply_share": None, "outside_office_hours": 0, "outside_office_hours_share": None,
        "not_measured": [{"platform": p, "own_posts": int(n), "reason": NO_THREADS} for p, n in sorted(skipped.items())],
        "reason": None,
    }
    if own.is_empty():
        result.update(broadcasts=0, replies=0)
        return result
    outside = int((~is_open(calendar, own["created_at"])).sum())
    result.update(outside_office_hours=outside, outside_office_hours_share=outside / own.height)
    own = own.filter(measurable)
    if own.is_empty():
        result["reason"] = NO_THREADS
        return result
    own = own.with_columns(parent_own=frame["is_own"].gather(own["parent_row"]))
    is_reply = pl.col("is_reply") & ~pl.col("parent_own").fill_null(False)
    replies = int(own.select(is_reply.sum()).item())
    total = own.height
    result.update(measured=total, broadcasts=total - replies, replies=replies,
                  broadcast_share=(total - replies) / total, reply_share=replies / total)
    return result
