"""Replays beyond the happy path, for every API adapter, against synthetic platforms (tests/replay.py) with
hundreds of posts and each platform's own paging: replies reachable only through the conversation endpoint,
bursts larger than max_pages, a first run's reach back, failing queries, quota and rate-limit stops, and a
harvest killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from luisterpost.config import Config
from luisterpost.harvest import PENDING, harvest_source
from luisterpost.sources import build_source
from luisterpost.sources.listing import open_gaps
from luisterpost.store import open_db
from luisterpost.store.runs import SourceOutcome, get_watermarks, record_source, start_run
from tests.fakeapi import FakeApi, Reply
from tests.replay import (FLOOR, LISTED, NOW, WORLDS, Bluesky, Facebook, Instagram, Mastodon, News, Reddit, World,
                          YouTube, spread)

ROOT = Path(__file__).resolve().parents[1]
PATIENCE = {"retries": 2, "backoff_seconds": 0.01, "timeout_seconds": 5, "max_wait_seconds": 60}


def table(world: World, api: FakeApi, listings: list[str] | None = None, **overrides: Any) -> dict[str, Any]:
    """The config (as its TOML would read) of one source over `world`."""
    settings = json.loads(json.dumps(world.settings(listings)).replace("{base}", api.url))
    return {
        "municipality": {"name": "Lindeveen"},
        "terms": {"names": ["Lindeveen"], "woonkernen": ["Oosterwolde", "Buitenpost"]},
        "accounts": world.accounts(),
        "sources": [{"kind": world.kind, "name": "src", "base_url": api.url, **PATIENCE, **settings, **overrides}],
    }


def harvest(db: duckdb.DuckDBPyConnection, world: World, api: FakeApi, monkeypatch: pytest.MonkeyPatch, *,
            now: datetime = NOW, listings: list[str] | None = None, **overrides: Any) -> SourceOutcome:
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)
    config = Config.model_validate(table(world, api, listings, **overrides))
    return harvest_source(db, build_source(config, config.sources[0], now=now))


def stored(db: duckdb.DuckDBPyConnection, platform: str) -> set[str]:
    rows = db.execute("SELECT id FROM mentions WHERE platform = ?", [platform]).fetchall()
    assert len(rows) == len({r[0] for r in rows})
    return {r[0] for r in rows}


def gaps(db: duckdb.DuckDBPyConnection) -> dict[str, list]:
    return {name: open_gaps(value) for name, value in get_watermarks(db, "src").items() if open_gaps(value)}


def unread(db: duckdb.DuckDBPyConnection) -> list[str]:
    """The conversations found and not read yet."""
    return [name for name in get_watermarks(db, "src") if name.startswith(PENDING)]


def statuses(outcome: SourceOutcome) -> list[tuple[str, str]]:
    return [(q.label, q.status) for q in outcome.queries]


def ids(cls: type) -> str:
    return cls.kind


def fill(world: World, listing: str, times: list[datetime], own_every: int = 0) -> list[str]:
    """Posts at these times in a listing (for "events": on an event of the page); returns their ids."""
    if listing == "events":
        world.events[f"80{len(world.events) + 1}"] = NOW + timedelta(days=10 + len(world.events))
        listing = f"event:{list(world.events)[-1]}"
    return [world.post(listing, at, own=bool(own_every) and n % own_every == 0) for n, at in enumerate(times)]


# --- 1. replies reachable only through the conversation endpoint ------------------------------------------------

def busy_world(cls: type[World], posts: int | None = None) -> tuple[World, list[str]]:
    """Posts over the last three weeks in the main listing, one in ten by the municipality; replies under the posts
    whose conversation the adapter reads (one with more than a page of them), and replies under a few others that
    no harvest reads. Where every post has its conversation read, fewer posts make as many replies."""
    world = cls()
    posts = posts or (300 if cls in (Mastodon, Bluesky) else 120)
    if cls is News:
        posts = world.FEED_SIZE
        for at in spread(20, NOW - timedelta(days=12), NOW - timedelta(hours=2)):
            world.post("own", at, own=True)
    made = [world.post(world.MAIN, at, own=n % 10 == 3, **({"about": n % 4 != 1} if cls is News else {}))
            for n, at in enumerate(spread(posts, NOW - timedelta(days=21), NOW - timedelta(hours=1)))]
    threaded = [p for p in made if world.threaded(p)]
    others = [p for p in made if not world.threaded(p)]
    world.conversation_under(threaded)
    world.conversation_under(threaded[:1], replies=(130, 130), own_answer=0.05)
    first = world.children[threaded[1]][0]
    for n in range(8):  # more replies to one comment than a platform shows with it
        world.reply(first, world.times[first] + timedelta(minutes=5 + n))
    if cls in (Mastodon, Bluesky):
        world.conversation_under(others[:20])  # residents among themselves: not the municipality's conversation
    return world, threaded


@pytest.mark.parametrize("cls", WORLDS, ids=ids)
def test_replies_under_posts_found_in_a_listing_are_stored_and_late_ones_a_day_later(db, api, monkeypatch, cls):
    world, threaded = busy_world(cls)
    listings = [world.MAIN, "own"] if cls is News else None
    world.serve(api)
    first = harvest(db, world, api, monkeypatch, listings=listings)
    assert first.status == "ok", first.error
    replies = {world.stored_id(r) for p in threaded for r in world.conversation(p)}
    assert len(replies) >= 100
    assert replies <= stored(db, world.platform)
    assert stored(db, world.platform) == world.expected(listings)
    # A day later: a few new posts, and a late reply under a young post that no listing returns again.
    young = max(threaded, key=lambda p: world.times[p])
    late = world.reply(young, NOW + timedelta(hours=20))
    for at in spread(3, NOW + timedelta(hours=2), NOW + timedelta(hours=22)):
        world.post(world.MAIN, at)
    world.serve(api)
    second = harvest(db, world, api, monkeypatch, now=NOW + timedelta(days=1), listings=listings)
    assert second.status == "ok", second.error
    assert world.stored_id(late) in stored(db, world.platform)
    assert stored(db, world.platform) == world.expected(listings)
    assert first.new + second.new == len(world.expected(listings))


def test_a_mastodon_conversation_cut_short_for_want_of_a_token_says_so(db, api, monkeypatch):
    world, threaded = busy_world(Mastodon)
    world.serve(api)
    world.env = {}  # no token: the instance is read as a logged-out reader
    monkeypatch.delenv("MASTODON_TOKEN", raising=False)
    outcome = harvest(db, world, api, monkeypatch)
    busy = threaded[0]  # its 130 replies: a reader without a token sees 60
    assert len(world.conversation(busy)) > 100
    assert len(stored(db, "mastodon") & set(world.conversation(busy))) == 60
    assert outcome.status == "partial"
    assert f"conversation of status {busy}: Mastodon shows at most 60 replies without an access token" in outcome.error
    assert "MASTODON_TOKEN" in outcome.error


@pytest.mark.parametrize("cls", [Mastodon, Bluesky], ids=ids)
def test_the_municipalitys_answers_under_residents_posts_come_with_the_own_account(db, api, monkeypatch, cls):
    # The municipality answers residents under their hashtag posts; only its own account's listing shows those
    # answers, and the conversation around each answer brings the residents' replies to it.
    world, _ = busy_world(cls, posts=120)
    residents = [p for p in world.listings[world.MAIN] if not world.threaded(p)][20:50]
    for post in residents:
        answer = world.reply(post, world.times[post] + timedelta(minutes=30), own=True)
        world.reply(answer, world.times[post] + timedelta(minutes=50))
    world.serve(api)
    listings = [world.MAIN, "account"]
    outcome = harvest(db, world, api, monkeypatch, listings=listings)
    assert outcome.status == "ok", outcome.error
    assert stored(db, world.platform) == world.expected(listings)


def test_youtube_replies_to_a_comment_beyond_one_page_are_all_read(db, api, monkeypatch):
    world = YouTube()
    video = world.post(world.MAIN, NOW - timedelta(days=2))
    top = world.reply(video, NOW - timedelta(days=2) + timedelta(minutes=10))
    for n in range(230):  # comments.list gives at most 100 a page
        world.reply(top, NOW - timedelta(days=1) + timedelta(minutes=n))
    world.serve(api)
    outcome = harvest(db, world, api, monkeypatch)
    assert outcome.status == "ok", outcome.error
    assert stored(db, "youtube") == world.expected() and len(world.expected()) == 232


# --- 2. bursts larger than max_pages, and how far a first run reads back -------------------------------------

def pages_for(world: World, items: int = 200) -> int:
    return items // world.page_size


@pytest.mark.parametrize("cls", LISTED, ids=ids)
def test_a_burst_larger_than_max_pages_is_read_over_the_next_runs_exactly_once(db, api, monkeypatch, cls):
    world = cls()
    burst = [world.post(world.MAIN, at) for at in spread(1000, NOW - timedelta(hours=20), NOW - timedelta(minutes=1))]
    world.serve(api)
    pages = pages_for(world)
    first = harvest(db, world, api, monkeypatch, max_pages=pages, revisit_days=0)
    assert first.status == "ok", first.error
    assert stored(db, world.platform) == set(sorted(burst, key=world.times.get)[-200:])
    assert first.queries[0].behind and "the next runs continue there" in first.queries[0].behind
    assert gaps(db)
    outcomes = [first]
    for run in range(1, 10):
        for at in spread(3, NOW + timedelta(minutes=20 * run), NOW + timedelta(minutes=20 * run + 10)):
            world.post(world.MAIN, at)
        world.serve(api)
        outcomes.append(harvest(db, world, api, monkeypatch, now=NOW + timedelta(minutes=20 * run + 15),
                                max_pages=pages, revisit_days=0))
        assert outcomes[-1].status == "ok", outcomes[-1].error
        if not gaps(db):
            break
    assert not gaps(db) and not outcomes[-1].queries[0].behind
    assert len(outcomes) >= 5
    assert stored(db, world.platform) == world.expected()
    assert sum(o.new for o in outcomes) == len(world.expected())


@pytest.mark.parametrize("cls", LISTED, ids=ids)
def test_a_first_run_reads_back_to_the_start_of_the_previous_month_and_no_further(db, api, monkeypatch, cls):
    world = cls()
    for at in spread(500, datetime(2026, 8, 10, tzinfo=FLOOR.tzinfo), NOW - timedelta(hours=1)):
        world.post(world.MAIN, at)
    inside = world.post(world.MAIN, FLOOR + timedelta(minutes=30))  # 1 October, 00:30 in Lindeveen
    outside = world.post(world.MAIN, FLOOR - timedelta(minutes=30))  # 30 September, 23:30
    world.serve(api)
    pages = pages_for(world)
    outcomes = [harvest(db, world, api, monkeypatch, max_pages=pages, revisit_days=0)]
    assert "back to 2026-09-30 22:00 UTC not read yet" in outcomes[0].queries[0].behind
    for run in range(1, 10):
        if not gaps(db):
            break
        outcomes.append(harvest(db, world, api, monkeypatch, now=NOW + timedelta(hours=run), max_pages=pages,
                                revisit_days=0))
    assert all(o.status == "ok" for o in outcomes), [o.error for o in outcomes]
    assert not gaps(db) and len(outcomes) >= 2
    found = stored(db, world.platform)
    assert found == world.expected() and inside in found and outside not in found
    assert all(world.times[i] >= FLOOR for i in found)
    # No page below the one where the listing crosses the floor was asked for.
    first_outside = next(n for n, i in enumerate(world.newest(world.MAIN)) if world.times[i] < FLOOR)
    assert max(world.served[world.MAIN]) <= first_outside


# --- 3. a failing query among others ---------------------------------------------------------------------------

FAILING = [cls for cls in WORLDS if cls.OTHERS]


@pytest.mark.parametrize("order", ["first", "last"])
@pytest.mark.parametrize("status", [404, 500])
@pytest.mark.parametrize("cls", FAILING, ids=ids)
def test_a_failing_query_is_named_and_the_others_are_stored(db, api, monkeypatch, cls, status, order):
    world = cls()
    listings = [world.MAIN, *world.OTHERS]
    for number, name in enumerate(listings):
        times = spread(40 if cls is News else 60, NOW - timedelta(days=6), NOW - timedelta(hours=1 + number))
        fill(world, name, times, own_every=1 if name == "uploads" else 0)
    world.serve(api)
    if cls is Facebook:  # its queries come in a fixed order: the page's posts, then its events
        failing, order_read = (world.MAIN if order == "first" else "events"), listings
    else:
        failing = world.MAIN
        order_read = listings if order == "first" else [*listings[1:], failing]
    path, params = world.route_of(failing)
    api.add(path, world.error(status).body, params=params or None, status=status,
            content_type=world.error(status).content_type)
    outcome = harvest(db, world, api, monkeypatch, listings=order_read)
    assert outcome.status == "partial"
    failed = [q for q in outcome.queries if q.status == "failed"]
    assert len(failed) == 1 and all(q.status == "ok" for q in outcome.queries if q is not failed[0])
    # In the order read (a YouTube source reads its channels after its searches).
    assert outcome.queries.index(failed[0]) == sorted(order_read, key=lambda n: n == "uploads").index(failing)
    label = failed[0].label
    reason = f"HTTP {status} after 3 tries" if status == 500 else "HTTP 404 (not found: check the configured name or id)"
    assert failed[0].error.startswith(label) and reason in failed[0].error
    assert label in outcome.error and reason in outcome.error
    assert stored(db, world.platform) == world.expected([n for n in listings if n != failing])
    # The run's record names the source, the query and the reason.
    run = start_run(db, "harvest")
    record_source(db, run, outcome)
    rows = db.execute("SELECT source, label, status, error FROM harvest_run_queries WHERE run_id = ? AND status <> 'ok'",
                      [run]).fetchall()
    assert rows == [("src", label, "failed", failed[0].error)]
    # Once the platform answers again, the next run reads the failed query from its start.
    api.routes = [r for r in api.routes if not (r.path == path and r.params == params)]
    world.serve(api)
    again = harvest(db, world, api, monkeypatch, listings=order_read)
    assert again.status == "ok", again.error
    assert stored(db, world.platform) == world.expected(listings)


@pytest.mark.parametrize("cls", WORLDS, ids=ids)
def test_a_conversation_that_fails_is_named_and_read_again_by_the_next_run(db, api, monkeypatch, cls):
    world, threaded = busy_world(cls, posts=80)
    listings = [world.MAIN, "own"] if cls is News else None
    world.serve(api)
    old = min(threaded, key=lambda p: world.times[p])  # weeks old: no longer revisited for late replies
    assert world.conversation(old)
    path, params = world.thread_route(old)
    api.add(path, world.error(500).body, params=params or None, status=500)
    first = harvest(db, world, api, monkeypatch, listings=listings)
    assert first.status == "partial"
    [failed] = [q for q in first.queries if q.status == "failed"]
    assert "HTTP 500 after 3 tries" in failed.error and failed.label in first.error
    assert unread(db) == [PENDING + failed.query]
    assert stored(db, world.platform) == world.expected(listings) - {
        world.stored_id(r) for r in world.conversation(old)}
    api.routes = [r for r in api.routes if not (r.path == path and r.params == params)]
    world.serve(api)
    again = harvest(db, world, api, monkeypatch, now=NOW + timedelta(hours=6), listings=listings)
    assert again.status == "ok", again.error
    assert stored(db, world.platform) == world.expected(listings) and not unread(db)


# --- 4. quota and rate-limit stops ---------------------------------------------------------------------------

def stop_world(cls: type[World]) -> tuple[World, list[str]]:
    """Two listings (one on Instagram) of posts from the last weeks, older than revisit_days, with conversations."""
    world = cls()
    listings = [world.MAIN, *world.OTHERS[:1]]
    for number, name in enumerate(listings):
        made = fill(world, name, spread(220 - 150 * number, NOW - timedelta(days=25), NOW - timedelta(days=4)), 5)
        world.conversation_under([p for p in made if world.threaded(p)][:40])
    return world, listings


def run_until_done(db, world, api, monkeypatch, first: SourceOutcome, listings: list[str], runs: int = 8,
                   **settings: Any) -> list:
    outcomes = [first]
    for day in range(1, runs):
        outcomes.append(harvest(db, world, api, monkeypatch, now=NOW + timedelta(days=day), listings=listings,
                                **settings))
        if outcomes[-1].status == "ok":
            break
    assert outcomes[-1].status == "ok", [o.error for o in outcomes]
    assert stored(db, world.platform) == world.expected(listings)
    assert sum(o.new for o in outcomes) == len(world.expected(listings))
    assert not gaps(db) and not unread(db)
    return outcomes


def test_mastodon_retry_after_longer_than_max_wait_stops_and_the_next_run_completes(db, api, monkeypatch):
    world, listings = stop_world(Mastodon)
    world.serve(api)
    path = world.tag_path("lindeveen")
    third_page = world.newest(world.MAIN)[79]  # the last status of page 2: page 3 asks for what is below it
    api.add(path, world.metered(world._timeline(world.MAIN, path)), params={"max_id": third_page})
    api.inject(path, Reply({"error": "Too many requests"}, 429, {"Retry-After": "3600"}), params={"max_id": third_page})
    first = harvest(db, world, api, monkeypatch, listings=listings)
    assert first.status == "partial"
    assert "#lindeveen page 3: rate limited: asked to wait 3600 s" in first.error
    assert len(stored(db, "mastodon")) == 80  # two pages kept
    own = len([i for i in stored(db, "mastodon") if world.threaded(i)])
    assert statuses(first) == [("#lindeveen", "stopped"), ("#oosterwolde", "not run"),
                               (f"conversations ({own})", "not run")]
    run_until_done(db, world, api, monkeypatch, first, listings)


@pytest.mark.parametrize("cls", [Mastodon, Reddit, Bluesky], ids=ids)
def test_a_used_up_rate_limit_with_a_far_reset_stops_and_the_next_run_completes(db, api, monkeypatch, cls):
    world, listings = stop_world(cls)
    world.budget = 2  # two more requests in this window; it resets in an hour
    world.serve(api)
    first = harvest(db, world, api, monkeypatch, listings=listings)
    assert first.status == "partial", first.error
    assert "rate limit used up for" in first.error and "longer than max_wait_seconds = 60" in first.error
    assert [s for _, s in statuses(first)] == ["stopped", "not run", "not run"]
    assert len(stored(db, world.platform)) == 2 * world.page_size  # the pages read are kept
    world.budget = None  # an hour later
    run_until_done(db, world, api, monkeypatch, first, listings)


@pytest.mark.parametrize("cls", [Facebook, Instagram], ids=ids)
def test_a_graph_rate_limit_error_stops_and_the_next_run_completes(db, api, monkeypatch, cls):
    world, listings = stop_world(cls)
    world.budget = 2
    world.serve(api)
    first = harvest(db, world, api, monkeypatch, listings=listings)
    assert first.status == "partial", first.error
    assert world.THROTTLED[1] in first.error and "the rest follows next run" in first.error
    assert [s for _, s in statuses(first)] == ["stopped"] + ["not run"] * len(listings)
    assert len(stored(db, world.platform)) == 2 * world.page_size
    world.budget = None
    run_until_done(db, world, api, monkeypatch, first, listings)


def test_youtube_daily_quota_stops_and_the_next_days_complete_every_item_once(db, api, monkeypatch):
    world, listings = stop_world(YouTube)
    world.serve(api)
    first = harvest(db, world, api, monkeypatch, listings=listings, daily_quota=350)
    assert first.status == "partial"
    assert "stopped for the daily quota: 300 of 350 units used today" in first.error
    assert statuses(first) == [("search 'Lindeveen'", "stopped"), ("search 'Oosterwolde'", "not run"),
                               ("conversations (150)", "not run")]
    assert len(stored(db, "youtube")) == 150
    outcomes = run_until_done(db, world, api, monkeypatch, first, listings, runs=10, daily_quota=350)
    assert len(outcomes) > 2


def test_news_retry_after_longer_than_max_wait_stops_and_the_next_run_reads_the_rest(db, api, monkeypatch):
    world = News()
    listings = [world.MAIN, *world.OTHERS]
    for name in listings:
        made = [world.post(name, at) for at in spread(30, NOW - timedelta(days=25), NOW - timedelta(days=4))]
        world.conversation_under(made)
    world.serve(api)
    path, _ = world.route_of(world.OTHERS[0])
    api.inject(path, Reply("<html>Too Many Requests</html>", 429, {"Retry-After": "3600"}, content_type="text/html"))
    first = harvest(db, world, api, monkeypatch, listings=listings)
    assert first.status == "partial"
    assert "rate limited: asked to wait 3600 s" in first.error
    assert [s for _, s in statuses(first)] == ["ok", "stopped", "not run", "not run"]
    assert stored(db, "news") == world.expected([world.MAIN]) - {r for p in world.listings[world.MAIN]
                                                                 for r in world.conversation(p)}
    again = harvest(db, world, api, monkeypatch, now=NOW + timedelta(hours=1), listings=listings)
    assert again.status == "ok", again.error
    assert stored(db, "news") == world.expected(listings)


# --- 5. kill -9 in the middle of a harvest -------------------------------------------------------------------

HARVEST = """
import json, sys
from datetime import datetime
from luisterpost.config import Config
from luisterpost.harvest import harvest_source
from luisterpost.sources import build_source
from luisterpost.store import open_db
config = Config.model_validate(json.loads(sys.argv[2]))
con = open_db(sys.argv[1])
harvest_source(con, build_source(config, config.sources[0], now=datetime.fromisoformat(sys.argv[3])))
con.close()
"""

ROWS = ("SELECT platform, id, created_at, author_handle, text, url, in_reply_to_id, conversation_id, likes"
        " FROM mentions ORDER BY platform, id")
RAW = "SELECT source, platform, id, payload FROM raw_items ORDER BY platform, id"
# Where a conversation is asked for, for a kill while conversations are read.
CONVERSATION = {Mastodon: "/context", YouTube: "/commentThreads", News: "/rss/comments/"}


def kill_world(cls: type[World]) -> World:
    """Two listing pages of posts (two feeds for news) from the last weeks, with conversations."""
    world = cls()
    count = 40 if cls is News else world.page_size + 10
    for name in [world.MAIN, world.OTHERS[0]] if cls is News else [world.MAIN]:
        made = [world.post(name, at, own=n % 4 == 0)
                for n, at in enumerate(spread(count, NOW - timedelta(days=20), NOW - timedelta(days=4)))]
        world.conversation_under([p for p in made if world.threaded(p)][::2])
    return world


@pytest.mark.parametrize("cls, moment", [*[(cls, "listing") for cls in WORLDS],
                                         *[(cls, "conversations") for cls in CONVERSATION]],
                         ids=lambda v: getattr(v, "kind", v))
def test_a_harvest_killed_mid_run_and_run_again_stores_what_a_clean_run_stores(tmp_path, monkeypatch, cls, moment):
    world = kill_world(cls)
    listings = [world.MAIN, world.OTHERS[0]] if cls is News else None
    if moment == "listing":
        # Killed once the second listing page (the second feed) is asked for: the first one is stored by then,
        # with its watermark, and none of its conversations is read yet.
        path, _ = world.route_of(world.OTHERS[0] if cls is News else world.MAIN)
        asked, counts = (1 if cls is News else 2), (lambda request: request.path == path)
    else:  # killed while the third conversation is read: every page is stored, a few conversations too
        asked, counts = 3, (lambda request: CONVERSATION[cls] in request.path)
    with FakeApi() as api:
        world.serve(api)
        clean = open_db(str(tmp_path / "clean.duckdb"))
        assert harvest(clean, world, api, monkeypatch, listings=listings).status == "ok"
        assert sum(map(counts, api.requests)) >= asked
        api.requests.clear()
        api.latency = 0.02  # slow enough to kill it while it waits for an answer
        killed = tmp_path / "killed.duckdb"
        env = {**os.environ, **world.env}
        process = subprocess.Popen([sys.executable, "-c", HARVEST, str(killed),
                                    json.dumps(table(world, api, listings)), NOW.isoformat()], cwd=ROOT, env=env)
        deadline = time.monotonic() + 60
        while sum(map(counts, api.requests)) < asked and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        assert process.poll() is None, "the harvest ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert process.returncode == -signal.SIGKILL
        api.latency = 0
        con = open_db(str(killed))
        assert 0 < len(stored(con, world.platform)) < len(stored(clean, world.platform))
        again = harvest(con, world, api, monkeypatch, listings=listings)
        assert again.status == "ok", again.error
        assert con.execute(ROWS).fetchall() == clean.execute(ROWS).fetchall()
        assert con.execute(RAW).fetchall() == clean.execute(RAW).fetchall()
        assert not gaps(con) and not unread(con)
        con.close()
        clean.close()


# --- posts a listing shows late --------------------------------------------------------------------------------

LATE = {Reddit: timedelta(minutes=40), YouTube: timedelta(hours=5), Bluesky: timedelta(minutes=20)}


@pytest.mark.parametrize("cls", list(LATE), ids=ids)
def test_a_post_the_listing_shows_only_after_newer_ones_were_read_is_still_stored(db, api, monkeypatch, cls):
    # Searches list posts newest first by when they were made, but index them with a delay: a post made an hour
    # before the newest one read may show up only after that run.
    world = cls()
    for at in spread(150, NOW - timedelta(days=10), NOW - timedelta(minutes=5)):
        world.post(world.MAIN, at)
    late = world.post([], NOW - LATE[cls])  # made before the newest post read, not in the search yet
    world.serve(api)
    first = harvest(db, world, api, monkeypatch)
    assert first.status == "ok", first.error
    world.listings[world.MAIN].append(late)  # indexed now
    if cls is Bluesky:  # Bluesky lists by when its index saw a post: the late one comes on top
        world.payloads[late]["indexedAt"] = "2026-11-21T12:30:00.000Z"
    world.serve(api)
    second = harvest(db, world, api, monkeypatch, now=NOW + timedelta(hours=1))
    assert second.status == "ok", second.error
    assert late in stored(db, world.platform)
