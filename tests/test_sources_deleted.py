"""Posts deleted at the source: read again within revisit_days, a clear per-post "gone" answer from the platform
removes the post's rows (mentions, raw_items, enrichments, corrections) and counts it; any other answer (401, 5xx,
a timeout, a 404 that is not about the post, a blocked post) removes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import duckdb
import pytest
from typer.testing import CliRunner

from luisterpost.cli import _print_harvest, app
from luisterpost.config import load_config
from luisterpost.harvest import harvest_source
from luisterpost.sources import build_source
from luisterpost.store import open_db
from luisterpost.store.runs import SourceOutcome, finish_run, record_source, start_run
from tests.conftest import store_enrichment
from tests.fakeapi import FakeApi, Reply, recorded
from tests.scenarios import BLUESKY, FACEBOOK, INSTAGRAM, MASTODON, REDDIT, YOUTUBE, Scenario
from tests.test_sources import harvest, stored

TABLES = ("mentions", "raw_items", "enrichments", "corrections")

# The posts read again in a second run (all younger than revisit_days = 3 at the scenarios' time).
TOOT = "113200000000000110"
OLD_TOOT = "113200000000000098"  # 2026-11-17 15:00, older than three days on 2026-11-21 12:00
GM1 = "at://did:plc:gemeente9/app.bsky.feed.post/3kgm1"
RE1 = "at://did:plc:sanne1/app.bsky.feed.post/3kre1"
RE2 = "at://did:plc:gemeente9/app.bsky.feed.post/3kre2"
THREAD = "/xrpc/app.bsky.feed.getPostThread"
NOT_FOUND = "app.bsky.feed.defs#notFoundPost"
VIEW = "app.bsky.feed.defs#threadViewPost"
P1 = "/r/thenetherlands/comments/p1"


def _replies() -> tuple[dict, dict]:
    """The recorded posts 3kre1 (a resident's reply to 3kgm1) and 3kre2 (the municipality's reply to 3kre1)."""
    re1 = recorded("bluesky/thread.json")["thread"]["replies"][0]
    return re1["post"], re1["replies"][0]["post"]


def _thread_of_re2(parent: dict) -> dict:
    """The thread of the own reply 3kre2, whose parent is as given."""
    return {"thread": {"$type": VIEW, "post": _replies()[1], "replies": [], "parent": parent}}


def _tombstone(uri: str) -> dict:
    return {"$type": NOT_FOUND, "uri": uri, "notFound": True}


def _bluesky_root_gone(answer: Reply) -> Callable[[FakeApi], None]:
    def serve(api: FakeApi) -> None:
        api.add(THREAD, answer.body, status=answer.status, params={"uri": GM1})
        # The own reply's thread shows its deleted ancestor as a tombstone.
        api.add(THREAD, _thread_of_re2({"$type": VIEW, "post": _replies()[0], "parent": _tombstone(GM1)}),
                params={"uri": RE2})

    return serve


def _bluesky_reply_gone(api: FakeApi) -> None:
    thread = recorded("bluesky/thread.json")
    thread["thread"]["replies"][0] = _tombstone(RE1)
    api.add(THREAD, thread, params={"uri": GM1})
    # The own reply under the deleted one shows it as a tombstone parent.
    api.add(THREAD, _thread_of_re2(_tombstone(RE1)), params={"uri": RE2})


def _answer(path: str, body: object, status: int = 200, params: dict[str, str] | None = None,
            content_type: str = "application/json") -> Callable[[FakeApi], None]:
    def serve(api: FakeApi) -> None:
        api.add(path, body, status=status, params=params, content_type=content_type)

    return serve


@dataclass
class Case:
    scenario: Scenario
    serve: Callable[[FakeApi], None]  # what the platform answers in the second run
    removed: set[str]  # the ids whose rows go
    path: str  # the conversation request of the post read again
    params: dict[str, str]


GONE = {
    "mastodon-404": Case(MASTODON, _answer(f"/api/v1/statuses/{TOOT}/context", recorded("mastodon/status-gone.json"),
                                           404), {TOOT}, f"/api/v1/statuses/{TOOT}/context", {}),
    "mastodon-410": Case(MASTODON, _answer(f"/api/v1/statuses/{TOOT}/context", {"error": "Gone"}, 410), {TOOT},
                         f"/api/v1/statuses/{TOOT}/context", {}),
    "bluesky-not-found": Case(BLUESKY, _bluesky_root_gone(Reply(recorded("bluesky/thread-not-found.json"), 400)),
                              {GM1}, THREAD, {"uri": GM1}),
    "bluesky-tombstone": Case(BLUESKY, _bluesky_root_gone(Reply(recorded("bluesky/thread-tombstone.json"))), {GM1},
                              THREAD, {"uri": GM1}),
    "bluesky-reply-tombstone": Case(BLUESKY, _bluesky_reply_gone, {RE1}, THREAD, {"uri": GM1}),
    # Deleted by its writer, with a deleted comment under it (whose reply stays).
    "reddit-deleted": Case(REDDIT, _answer(P1, recorded("reddit/comments-p1-deleted.json")), {"t3_p1", "t1_c1"},
                           P1, {}),
    "reddit-removed": Case(REDDIT, _answer(P1, recorded("reddit/comments-p1-removed.json")), {"t3_p1"}, P1, {}),
    "reddit-empty": Case(REDDIT, _answer(P1, recorded("reddit/comments-empty.json")), {"t3_p1"}, P1, {}),
    "youtube": Case(YOUTUBE, _answer("/commentThreads", recorded("youtube/comments-video-not-found.json"), 404,
                                     {"videoId": "vidA1"}),
                    {"vidA1", "UgxA1", "UgxA1.r1", "UgxA1.r2"}, "/commentThreads", {"videoId": "vidA1"}),
    "facebook": Case(FACEBOOK, _answer("/123_501/comments", recorded("facebook/post-gone.json"), 400),
                     {"123_501", "501_9001", "501_9002"}, "/123_501/comments", {}),
    "instagram": Case(INSTAGRAM, _answer("/17900000000000002/comments", recorded("instagram/media-gone.json"), 400),
                      {"17900000000000002", "18000000000000011", "18000000000000012"},
                      "/17900000000000002/comments", {}),
}


def annotate(db: duckdb.DuckDBPyConnection, platform: str, ids: set[str]) -> None:
    """Give these mentions an enrichment and an analyst's correction, as a month of work would."""
    for item_id in ids:
        store_enrichment(db, platform, item_id, "negatief")
        db.execute("INSERT INTO corrections (platform, id, sentiment_label, corrected_at)"
                   " VALUES (?, ?, 'neutraal', now())", [platform, item_id])


def rows(db: duckdb.DuckDBPyConnection, platform: str, ids: set[str]) -> dict[str, int]:
    """Per table, how many rows these posts have."""
    return {table: db.execute(f"SELECT count(*) FROM {table} WHERE platform = ? AND list_contains(?, id)",
                              [platform, sorted(ids)]).fetchall()[0][0] for table in TABLES}


def requests_since(api: FakeApi, start: int, path: str, params: dict[str, str]) -> int:
    return sum(1 for r in api.requests[start:]
               if r.path == path and all(r.params.get(k) == [v] for k, v in params.items()))


def first_run(db: duckdb.DuckDBPyConnection, scenario: Scenario, api: FakeApi, monkeypatch: pytest.MonkeyPatch,
              ids: set[str]) -> None:
    scenario.serve(api)
    outcome = harvest(db, scenario, api, monkeypatch)
    assert outcome.status == "ok", outcome.error
    assert ids <= set(stored(db, scenario.platform))
    annotate(db, scenario.platform, ids)


@pytest.mark.parametrize("name", list(GONE))
def test_a_post_deleted_at_the_source_is_removed_and_counted(db, api, monkeypatch, name):
    case = GONE[name]
    platform = case.scenario.platform
    first_run(db, case.scenario, api, monkeypatch, case.removed)
    before = set(stored(db, platform))
    assert rows(db, platform, case.removed) == {t: len(case.removed) for t in TABLES}
    case.serve(api)
    start = len(api.requests)
    outcome = harvest(db, case.scenario, api, monkeypatch)
    assert outcome.status == "ok", outcome.error
    assert outcome.deleted == len(case.removed)
    assert rows(db, platform, case.removed) == dict.fromkeys(TABLES, 0)
    assert set(stored(db, platform)) == before - case.removed  # the rest stays
    # The post is read again with the one request its conversation took before: nothing extra is asked.
    assert requests_since(api, start, case.path, case.params) == 1


NOT_GONE_ROOTS = {  # per platform, the conversation request of one post read again
    "mastodon": (MASTODON, TOOT, f"/api/v1/statuses/{TOOT}/context", {}),
    "bluesky": (BLUESKY, GM1, THREAD, {"uri": GM1}),
    "reddit": (REDDIT, "t3_p1", P1, {}),
    "youtube": (YOUTUBE, "vidA1", "/commentThreads", {"videoId": "vidA1"}),
    "facebook": (FACEBOOK, "123_501", "/123_501/comments", {}),
    "instagram": (INSTAGRAM, "17900000000000002", "/17900000000000002/comments", {}),
}


@pytest.mark.parametrize("trouble", ["401", "503", "timeout"])
@pytest.mark.parametrize("platform", list(NOT_GONE_ROOTS))
def test_a_refusal_an_outage_or_a_timeout_removes_nothing(db, api, monkeypatch, platform, trouble):
    scenario, item_id, path, params = NOT_GONE_ROOTS[platform]
    first_run(db, scenario, api, monkeypatch, {item_id})
    before = {t: db.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}
    if trouble == "401":
        api.add(path, {"error": "invalid_token", "message": "Unauthorized"}, status=401, params=params)
    elif trouble == "503":
        api.add(path, {"error": "Service unavailable"}, status=503, params=params)
    else:
        api.add(path, {}, params=params)
        api.inject(path, *[Reply(delay=1.0)] * 3, params=params)  # FAST: three tries of 0.5 s each
    outcome = harvest(db, scenario, api, monkeypatch)
    assert outcome.deleted == 0
    assert {t: db.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES} == before
    failed = [q for q in outcome.queries if q.status == "failed"]
    assert len(failed) == 1 and {"401": "HTTP 401", "503": "HTTP 503", "timeout": "timeout"}[trouble] in failed[0].error


NOT_GONE = {  # answers that look like "not found" but are not about a deleted post
    # A 404 that is not the API's own "Record not found" (another server, a wrong address).
    "mastodon-html-404": (MASTODON, TOOT, _answer(f"/api/v1/statuses/{TOOT}/context", "<html>Not Found</html>", 404,
                                                  content_type="text/html")),
    # A post the reader is blocked from is still up.
    "bluesky-blocked": (BLUESKY, GM1, _answer(THREAD, {"thread": {
        "$type": "app.bsky.feed.defs#blockedPost", "uri": GM1, "blocked": True,
        "author": {"did": "did:plc:gemeente9", "viewer": {"blockedBy": True}}}}, params={"uri": GM1})),
    # The writer closed the account: the words are still up.
    "reddit-account-closed": (REDDIT, "t3_p1", _answer(P1, recorded("reddit/comments-p1-account-closed.json"))),
    "youtube-forbidden": (YOUTUBE, "vidA1", _answer("/commentThreads", {"error": {"code": 403, "message": "Forbidden",
                          "errors": [{"reason": "forbidden", "domain": "youtube.commentThread"}]}}, 403,
                          {"videoId": "vidA1"})),
    "facebook-token-expired": (FACEBOOK, "123_501",
                               _answer("/123_501/comments", recorded("facebook/token-expired.json"), 400)),
}


@pytest.mark.parametrize("name", list(NOT_GONE))
def test_answers_that_are_not_about_a_deleted_post_remove_nothing(db, api, monkeypatch, name):
    scenario, item_id, serve = NOT_GONE[name]
    first_run(db, scenario, api, monkeypatch, {item_id})
    before = {t: db.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}
    serve(api)
    outcome = harvest(db, scenario, api, monkeypatch)
    assert outcome.deleted == 0
    assert {t: db.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES} == before


def test_graph_does_not_exist_is_not_trusted_when_the_page_itself_could_not_be_read(db, api, monkeypatch):
    # Code 100/33 also means "missing permissions": with the page's own lists failing too, it says nothing.
    first_run(db, FACEBOOK, api, monkeypatch, {"123_501"})
    before = rows(db, "facebook", {"123_501"})
    for path in ("/123/posts", "/123/events"):
        api.add(path, recorded("facebook/post-gone.json"), status=400)
    api.add("/123_501/comments", recorded("facebook/post-gone.json"), status=400)
    outcome = harvest(db, FACEBOOK, api, monkeypatch)
    assert outcome.deleted == 0
    assert "comments on post 123_501 page 1: HTTP 400" in outcome.error
    assert rows(db, "facebook", {"123_501"}) == before


def test_only_posts_younger_than_revisit_days_are_read_again(db, api, monkeypatch):
    first_run(db, MASTODON, api, monkeypatch, {TOOT, OLD_TOOT})
    for toot in (TOOT, OLD_TOOT):
        api.add(f"/api/v1/statuses/{toot}/context", recorded("mastodon/status-gone.json"), status=404)
    start = len(api.requests)
    outcome = harvest(db, MASTODON, api, monkeypatch)
    assert outcome.deleted == 1
    assert rows(db, "mastodon", {TOOT}) == dict.fromkeys(TABLES, 0)
    assert rows(db, "mastodon", {OLD_TOOT}) == dict.fromkeys(TABLES, 1)
    assert requests_since(api, start, f"/api/v1/statuses/{OLD_TOOT}/context", {}) == 0  # no request for it


def test_harvest_output_and_status_show_the_deleted_count(api, monkeypatch, write_config, capsys):
    MASTODON.serve(api)
    path = write_config(f'''
        [[sources]]
        kind = "mastodon"
        name = "mastodon"
        base_url = "{api.url}"
        hashtags = ["lindeveen"]
        accounts = ["gemeentelindeveen"]
        retries = 0
    ''')
    config = load_config(path)
    con = open_db(config.database_path)
    outcomes: list[SourceOutcome] = []
    for _ in range(2):
        run = start_run(con, "harvest")
        outcome = harvest_source(con, build_source(config, config.sources[0], now=MASTODON.now))
        record_source(con, run, outcome)
        finish_run(con, run, [outcome])
        outcomes.append(outcome)
        api.add(f"/api/v1/statuses/{TOOT}/context", recorded("mastodon/status-gone.json"), status=404)
    assert [o.deleted for o in outcomes] == [0, 1]
    assert con.execute("SELECT run_id, deleted FROM harvest_run_sources ORDER BY run_id").fetchall() == [(1, 0), (2, 1)]
    con.close()

    _print_harvest({"sources": [asdict(outcomes[1]) | {"behind": outcomes[1].behind}]})
    assert "mastodon: 0 fetched, 0 new, 0 updated, 0 skipped, 1 deleted at the source" in capsys.readouterr().out
    result = CliRunner().invoke(app, ["--config", str(path), "status"])
    assert result.exit_code == 0, result.output
    assert "ok; 0 new, 0 skipped, 1 deleted at the source" in result.output
    assert "ok; 9 new, 0 skipped\n" in result.output  # nothing deleted: not said
