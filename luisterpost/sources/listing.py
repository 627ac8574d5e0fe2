"""Reading a listing that comes newest first (a hashtag timeline, a search, an account's posts) so that nothing
is ever left out.

What a query has read is kept as its watermark: spans of keys read without a hole, newest first, and the floor
a first run reads back to. A run reads from the newest post down until it meets the newest span; then, while
its page budget lasts, it continues below every span that still has a hole under it, from the page where an
earlier run stopped (max_pages, a quota, an error), until that hole is closed. Every page is stored with the
coverage it adds, in one transaction, so a failure or a kill loses nothing and the next run goes on from the
exact page. Keys are texts that sort in the listing's order (times as ISO-8601 in UTC, ids zero-padded)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .base import Batch, RawItem

VERSION = 2


@dataclass
class Page:
    """One page of a listing, newest first, and the parameters that ask for the next (older) page (None at its end).
    `error`: the page is good but the way to the next one is not (raised once the page is stored)."""

    items: list[RawItem]
    after: dict[str, Any] | None
    error: Exception | None = None


@dataclass
class Span:
    """Keys lo..hi read without a hole. `next` asks for the page below lo; `end` says nothing below is left to read
    (the floor or the listing's end was reached)."""

    hi: str | None = None
    lo: str | None = None
    hi_at: str | None = None  # the times of the hi and lo posts, for people reading `status`
    lo_at: str | None = None
    next: dict[str, Any] | None = None
    end: bool = False

    def widen(self, key: str, at: str | None) -> None:
        if self.hi is None or key > self.hi:
            self.hi, self.hi_at = key, at
        if self.lo is None or key < self.lo:
            self.lo, self.lo_at = key, at


@dataclass(frozen=True)
class Gap:
    """Posts of a query not read yet: those older than `before` and newer than `after` (times, ISO-8601)."""

    before: str | None
    after: str | None

    def words(self) -> str:
        """The gap as a user reads it: "posts older than 2026-10-08 14:00 UTC back to 2026-10-01 00:00 UTC"."""
        newer = f"older than {_minutes(self.before)}" if self.before else "the newest"
        older = f"back to {_minutes(self.after)}" if self.after else "back to the oldest"
        return f"posts {newer} {older}"


def _minutes(value: str) -> str:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass
class Coverage:
    """What a listing query has read: spans newest first, and the floor its first run reads back to."""

    floor: str | None = None
    spans: list[Span] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str | None, legacy: Callable[[str], str] = str) -> Coverage | None:
        """The coverage stored as `text`; a plain watermark of an older version (the newest key, everything
        below it read) becomes one span that reaches the bottom. None when nothing is stored."""
        if not text:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict) or data.get("v") != VERSION:
            return cls(None, [Span(hi=legacy(text), lo="", end=True)])
        return cls(data.get("floor"), [Span(**span) for span in data.get("spans", [])])

    def to_text(self) -> str:
        spans = [asdict(s) for s in self.spans if s.hi is not None]
        return json.dumps({"v": VERSION, "floor": self.floor, "spans": spans}, separators=(",", ":"))

    def gaps(self) -> list[Gap]:
        """The holes left: below every span that does not reach the bottom."""
        found = []
        for number, span in enumerate(self.spans):
            if span.end or span.hi is None:
                continue
            below = self.spans[number + 1] if number + 1 < len(self.spans) else None
            found.append(Gap(span.lo_at, below.hi_at if below else self.floor))
        return found


def open_gaps(text: str | None) -> list[Gap]:
    """The holes in a stored watermark (none for watermarks that are not a listing's coverage)."""
    coverage = Coverage.parse(text) if text and text.startswith("{") else None
    return coverage.gaps() if coverage else []


def read_listing(query: str, fetch_page: Callable[[dict[str, Any] | None, int], Page], *,
                 key: Callable[[RawItem], str], when: Callable[[RawItem], datetime], state: str | None,
                 floor: datetime, max_pages: int, legacy: Callable[[str], str] = str,
                 overlap: timedelta = timedelta(0)) -> Iterator[Batch]:
    """Batches of a newest-first listing: the new posts on top, then what earlier runs left unread, within
    `max_pages` pages. `fetch_page(after, number)` returns a page (`after` None: the newest). `floor` is how far
    back a query's first run reads; it is kept with the coverage. `overlap` is how late the listing may show a
    post (a search indexes with a delay): on the page where the newest posts meet what was read before, posts up
    to that much older than the newest one read before are kept again, so one shown late is stored too (no page
    more is asked for). Every batch carries the coverage to store."""
    coverage = Coverage.parse(state, legacy) or Coverage(floor=floor.astimezone(UTC).isoformat())
    bottom = datetime.fromisoformat(coverage.floor) if coverage.floor else None
    spans = coverage.spans
    newest = spans[0].hi_at if spans and overlap else None
    reread = datetime.fromisoformat(newest) - overlap if newest else None
    spans.insert(0, Span())  # the top: from the newest post down to what was read before
    pages = 0
    number = 0
    top = True  # the first stretch starts at the newest page; every later one where a span stopped
    while number < len(spans) and pages < max_pages:
        span = spans[number]
        if not top and (span.end or span.next is None):
            number += 1  # nothing below it, or no way back to where it stopped: leave it
            continue
        below = spans[number + 1] if number + 1 < len(spans) else None
        after = None if top else span.next
        lookback = reread if top else None  # only the newest posts may still show up late
        top = False
        while pages < max_pages:
            pages += 1
            page = fetch_page(after, pages)
            kept: list[RawItem] = []
            ended = ""
            for item in page.items:
                item_key, at = _safe(key, item), _safe(when, item)
                if below is not None and item_key is not None and item_key <= below.hi:
                    ended = "joined"
                    if lookback is None or at is None or at < lookback:
                        break
                    kept.append(item)  # read before, or shown late: on this page either way
                    continue
                if below is None and bottom is not None and at is not None and at < bottom:
                    ended = "bottom"
                    break
                kept.append(item)
                if item_key is not None:
                    span.widen(item_key, at.astimezone(UTC).isoformat() if at else None)
            if ended == "joined":
                if span.hi is None:
                    span.hi, span.hi_at = below.hi, below.hi_at
                span.lo, span.lo_at, span.next, span.end = below.lo, below.lo_at, below.next, below.end
                del spans[number + 1]
            elif page.error is not None:
                span.next = None  # no way on from here: the gap stays and is reported until the cause is mended
            elif ended == "bottom" or page.after is None:
                # Everything down to the floor (or the listing's end) is read: older spans are inside it.
                lowest = [s for s in spans[number + 1:] if s.lo is not None]
                if lowest and (span.lo is None or lowest[-1].lo < span.lo):
                    span.lo, span.lo_at = lowest[-1].lo, lowest[-1].lo_at
                del spans[number + 1:]
                span.next, span.end = None, True
            else:
                span.next = page.after
            yield Batch(query, kept, coverage.to_text())
            if page.error is not None and not ended:
                raise page.error
            if ended == "joined":
                break  # go on below the joined span, from where it stopped
            if ended or page.after is None:
                break
            after = page.after
        if not span.end and ended != "joined":
            number += 1


def _safe(read: Callable[[RawItem], Any], item: RawItem) -> Any:
    try:
        return read(item)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # a changed shape: the item is kept, so normalising it reports it by name


def utc_iso(value: datetime) -> str:
    """A time as ISO-8601 in UTC with a Z: the form keys of times are kept in (they sort as text)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(value: str) -> datetime:
    """An ISO-8601 time from an API (Z or offset) as an aware UTC datetime."""
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)
