"""The built-in demo source: 13 months of the fictional municipality Lindeveen, generated offline."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import Field

from ...strict import Strict
from ..base import Batch, Query, RawItem, SourceBase, SourceContext

QUERY = "all"  # the demo has one stream; its watermark is the instant harvested up to
BATCH_ITEMS = 2000


class DemoSourceSettings(Strict):
    kind: Literal["demo"]
    name: str = "demo"
    seed: int = 2024
    months: int = Field(default=13, ge=1, le=60)
    # Generate up to this date (inclusive); default: now. Fixing it makes the data identical on every machine.
    until: date | None = None

    @property
    def source_name(self) -> str:
        return self.name


class DemoSource(SourceBase):
    """Serves the simulated posts created after the watermark and up to `now` (or the configured `until`)."""

    def __init__(self, settings: DemoSourceSettings, ctx: SourceContext):
        from .life import TZ

        self.name = settings.source_name
        self.settings = settings
        now = ctx.now
        if settings.until:
            # The end of the configured day, Amsterdam time, unless that is still in the future.
            end_of_day = datetime.combine(settings.until + timedelta(days=1), datetime.min.time(), TZ)
            now = min(now, end_of_day.astimezone(UTC))
        self.until = now
        # The last day with posts (the until instant itself is exclusive).
        self.until_day = (now - timedelta(microseconds=1)).astimezone(TZ).date()

    def first_day(self) -> date:
        """The first day of the backfill: `months` whole months before the current one."""
        month = self.until_day.replace(day=1)
        for _ in range(self.settings.months):
            month = (month - timedelta(days=1)).replace(day=1)
        return month

    def open(self, watermarks: Mapping[str, str]) -> list[Query]:
        return [Query(QUERY, "the demo municipality", self._read)]

    def _read(self, watermark: str | None) -> Iterator[Batch]:
        """Yield the posts after the watermark in batches of whole days, each with the watermark at its last day's end."""
        from .life import REPLY_DELAY_CAP, TZ, simulate

        since = datetime.fromisoformat(watermark) if watermark else None
        first = self.first_day()
        if since is not None:
            # Threads that started up to a week earlier may still get replies after the watermark.
            first = max(first, (since - REPLY_DELAY_CAP - timedelta(days=1)).astimezone(TZ).date())
        if since is not None and since >= self.until:
            return
        posts = simulate(self.settings.seed, first, self.until_day)
        day_items: dict[date, list[RawItem]] = {}
        for post in posts:
            if (since is not None and post.created_at <= since) or post.created_at > self.until:
                continue
            item = RawItem(post.platform, post.id, post.payload(), ref=f"demo {post.platform} {post.id}")
            day_items.setdefault(post.created_at.astimezone(TZ).date(), []).append(item)
        # Whole days per batch, about BATCH_ITEMS at a time: a failure loses at most one batch of work,
        # and the backfill does not pay a transaction per day.
        pending: list[RawItem] = []
        days = sorted(day_items)
        for day in days:
            pending += day_items[day]
            if len(pending) >= BATCH_ITEMS or day == days[-1]:
                end = datetime.combine(day + timedelta(days=1), datetime.min.time(), TZ).astimezone(UTC)
                yield Batch(QUERY, pending, min(end, self.until).isoformat())
                pending = []

    def normalise(self, item: RawItem) -> dict[str, Any]:
        """Map the demo's raw post to a Mentions v1 dict."""
        raw = item.payload
        author, stats = raw["author"], raw["stats"]
        text = raw["body"] if not raw.get("title") else raw["title"]
        return {
            "platform": raw["platform"], "id": raw["id"], "created_at": raw["posted_at"],
            "author_handle": author["handle"], "author_id": author["id"], "author_name": author["name"],
            "author_followers": author["followers"], "text": text, "url": raw["url"],
            "in_reply_to_id": raw["reply_to"], "conversation_id": raw["thread"], "lang": raw["lang"],
            "likes": stats["likes"], "reposts": stats["shares"], "replies": stats["comments"],
        }
