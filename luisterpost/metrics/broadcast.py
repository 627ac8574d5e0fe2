"""Zenden vs luisteren: of the own accounts' posts, how many broadcast and how many answer residents."""

from __future__ import annotations

import polars as pl

from ..schedule import BusinessCalendar
from .business_time import is_open


def broadcasting(frame: pl.DataFrame, in_period: pl.DataFrame, calendar: BusinessCalendar) -> dict[str, object]:
    """Own posts in `in_period` split into broadcasts (not a reply, or a reply to an own post: a thread of
    its own) and replies to residents (a reply to a resident's post, or to a post outside the data);
    `frame` supplies the parents. Also: own posts outside office hours."""
    own = in_period.filter("is_own")
    if own.is_empty():
        return {"own_posts": 0, "broadcasts": 0, "replies": 0, "broadcast_share": None, "reply_share": None,
                "outside_office_hours": 0, "outside_office_hours_share": None}
    own = own.with_columns(parent_own=frame["is_own"].gather(own["parent_row"]))
    is_reply = pl.col("is_reply") & ~pl.col("parent_own").fill_null(False)
    replies = int(own.select(is_reply.sum()).item())
    outside = int((~is_open(calendar, own["created_at"])).sum())
    total = own.height
    return {
        "own_posts": total, "broadcasts": total - replies, "replies": replies,
        "broadcast_share": (total - replies) / total, "reply_share": replies / total,
        "outside_office_hours": outside, "outside_office_hours_share": outside / total,
    }
