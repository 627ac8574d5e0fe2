"""Newest-first listings read without gaps: what a run leaves (max_pages, an error) the next runs read, every
post once, and the stored coverage says what is still unread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from luisterpost.sources.base import RawItem
from luisterpost.sources.listing import Coverage, Page, open_gaps, read_listing

START = datetime(2026, 10, 1, tzinfo=UTC)
PAGE = 10


class Timeline:
    """A platform listing: posts numbered 1..n (higher is newer, one per minute), pages of 10 paged by max_id."""

    def __init__(self, count: int):
        self.count = count
        self.fail_on: int | None = None  # the request number that fails
        self.requests = 0

    def post(self, number: int) -> RawItem:
        return RawItem("test", str(number), {"at": (START + timedelta(minutes=number)).isoformat()})

    def fetch(self, after: dict | None, number: int) -> Page:
        self.requests += 1
        if self.fail_on == self.requests:
            raise ConnectionError("page failed")
        top = int(after["max_id"]) - 1 if after else self.count
        numbers = list(range(top, max(top - PAGE, 0), -1))
        return Page([self.post(n) for n in numbers], {"max_id": str(numbers[-1])} if numbers and numbers[-1] > 1 else None)


def read(timeline: Timeline, state: str | None, *, max_pages: int = 5, floor: datetime = START) -> tuple[list[int], str]:
    """Run one harvest of the listing; return the post numbers read and the coverage to store."""
    numbers: list[int] = []
    for batch in read_listing("q", timeline.fetch, key=lambda i: i.id.zfill(8),
                              when=lambda i: datetime.fromisoformat(i.payload["at"]), state=state, floor=floor,
                              max_pages=max_pages):
        numbers += [int(i.id) for i in batch.items]
        state = batch.watermark
    return numbers, state


def test_a_burst_beyond_max_pages_leaves_a_gap_that_later_runs_close():
    timeline = Timeline(120)
    first, state = read(timeline, None)
    assert first == list(range(120, 70, -1))  # 5 pages of 10: the newest 50
    assert [g.before[:16] for g in open_gaps(state)] == ["2026-10-01T01:11"]  # below post 71
    timeline.count = 125  # five new posts before the next run
    second, state = read(timeline, state)
    assert second == [125, 124, 123, 122, 121] + list(range(70, 30, -1))  # the new ones, then on from the gap
    third, state = read(timeline, state)
    assert third == list(range(30, 0, -1))
    assert open_gaps(state) == []
    assert sorted(first + second + third) == list(range(1, 126))  # every post once
    fourth, state = read(timeline, state)
    assert fourth == [] and timeline.requests == 1 + 5 + 5 + 4  # a quiet run asks for one page


def test_a_first_run_reads_back_to_the_floor_and_no_further():
    timeline = Timeline(100)
    numbers, state = read(timeline, None, max_pages=20, floor=START + timedelta(minutes=61))
    assert numbers == list(range(100, 60, -1))
    assert open_gaps(state) == []
    assert Coverage.parse(state).floor == "2026-10-01T01:01:00+00:00"


def test_a_failing_page_keeps_what_was_read_and_the_next_run_goes_on_from_that_page():
    timeline = Timeline(60)
    timeline.fail_on = 3
    numbers: list[int] = []
    state = None
    with pytest.raises(ConnectionError):
        for batch in read_listing("q", timeline.fetch, key=lambda i: i.id.zfill(8),
                                  when=lambda i: datetime.fromisoformat(i.payload["at"]), state=None, floor=START,
                                  max_pages=10):
            numbers += [int(i.id) for i in batch.items]
            state = batch.watermark  # what the harvest commits with each page
    assert numbers == list(range(60, 40, -1))
    assert '"next":{"max_id":"41"}' in state
    again, state = read(timeline, state, max_pages=10)
    assert again == list(range(40, 0, -1))  # the top had nothing new; then on from page 3
    assert open_gaps(state) == []


def test_a_plain_watermark_of_an_older_version_covers_everything_up_to_it():
    timeline = Timeline(45)
    numbers, state = read(timeline, "00000040")
    assert numbers == [45, 44, 43, 42, 41]
    assert open_gaps(state) == []


def test_gaps_between_spans_are_each_closed():
    timeline = Timeline(200)
    _, state = read(timeline, None, max_pages=2)  # 200..181
    timeline.count = 300
    _, state = read(timeline, state, max_pages=2)  # 300..281: a second gap above the first span
    assert len(open_gaps(state)) == 2
    seen: list[int] = []
    for _ in range(30):
        numbers, state = read(timeline, state, max_pages=3)
        seen += numbers
        if not open_gaps(state):
            break
    assert open_gaps(state) == []
    assert sorted(seen) == sorted(set(range(1, 281)) - set(range(181, 201)))  # each once, none twice
