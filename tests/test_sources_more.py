"""What only some sources do: quotas, rate-limit headers, credentials, secrets kept out of sight, exports, snscrape."""

from __future__ import annotations

import json
import logging
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from luisterpost.config import Config
from luisterpost.harvest import harvest_source
from luisterpost.sources import build_source
from luisterpost.sources.errors import SourceSkipped
from luisterpost.sources.scraper import ScraperSource, load_scraper, normalise_scraped
from luisterpost.sources.listing import open_gaps
from luisterpost.store.runs import get_watermarks
from tests.fakeapi import Reply, recorded
from tests.scenarios import BLUESKY, MASTODON, REDDIT, YOUTUBE
from tests.test_sources import harvest, stored


def test_youtube_stops_for_its_daily_quota_and_says_so(db, api, monkeypatch):
    YOUTUBE.serve(api)
    outcome = harvest(db, YOUTUBE, api, monkeypatch, daily_quota=150)
    assert outcome.status == "partial"
    assert "stopped for the daily quota: 100 of 150 units used today" in outcome.error
    assert stored(db, "youtube") == ["vidA1"]  # the first page, read before the quota ran out
    marks = get_watermarks(db, "src")
    assert marks["quota:2026-11-21"] == "100"
    # The search keeps where it stopped: the next page to read, with the gap it leaves.
    assert open_gaps(marks["search:Lindeveen"]) and '"pageToken":"CAEQAA"' in marks["search:Lindeveen"]
    assert "channel:UCgemeente" not in marks
    assert [(q.label, q.status) for q in outcome.queries] == [
        ("search 'Lindeveen'", "stopped"), ("channel UCgemeente", "not run"), ("conversations (1)", "not run")]
    # The next day (Pacific time) the quota is fresh and the search reads on from where it was.
    tomorrow = YOUTUBE.now + timedelta(days=1)
    config = Config.model_validate({"municipality": {"name": "Lindeveen"}, "sources": [
        {"kind": "youtube", "name": "src", "base_url": api.url, "search": ["Lindeveen"], "channels": ["UCgemeente"],
         "retries": 0}]})
    again = harvest_source(db, build_source(config, config.sources[0], now=tomorrow))
    assert again.status == "ok", again.error
    assert set(stored(db, "youtube")) >= {"vidA1", "vidA2", "vidG1", "UgxA1"}
    assert get_watermarks(db, "src")["quota:2026-11-22"] == "206"


def test_youtube_quota_exceeded_from_google_stops_cleanly(db, api, monkeypatch):
    YOUTUBE.serve(api)
    api.inject("/search", Reply(recorded("youtube/quota-exceeded.json"), 403), params={"pageToken": "CAEQAA"})
    outcome = harvest(db, YOUTUBE, api, monkeypatch)
    assert outcome.status == "partial"
    assert "stopped for the daily quota: 10,000 of 10,000 units" in outcome.error
    assert stored(db, "youtube") == ["vidA1"]


def test_an_empty_rate_limit_window_is_waited_out(db, api, monkeypatch):
    MASTODON.serve(api)
    reset = (datetime.now(UTC) + timedelta(seconds=40)).isoformat().replace("+00:00", "Z")
    page1 = next(r for r in api.routes if r.path == "/api/v1/timelines/tag/lindeveen" and not r.params)
    page1.default.headers |= {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    waits: list[float] = []
    outcome = harvest(db, MASTODON, api, monkeypatch, waits=waits)
    assert outcome.status == "ok", outcome.error
    assert len(api.hits("/api/v1/timelines/tag/lindeveen")) >= 2
    # The window was waited out once, before the next request: the reset less the time the answer took.
    assert len(waits) == 1 and 35 < waits[0] <= 40, waits


def test_a_retry_after_longer_than_the_source_may_wait_stops_it_with_a_reason(db, api, monkeypatch):
    MASTODON.serve(api)
    api.inject("/api/v1/timelines/tag/lindeveen", Reply({"error": "slow down"}, 429, {"Retry-After": "3600"}),
               params={"max_id": "113200000000000104"})
    outcome = harvest(db, MASTODON, api, monkeypatch, max_wait_seconds=60)
    assert outcome.status == "partial"
    assert "#lindeveen page 2: rate limited: asked to wait 3600 s" in outcome.error
    assert len(stored(db, "mastodon")) == 2  # page 1 is kept
    # The instance's limit holds for every query: the account is left for the next run, which goes on there.
    assert [(q.label, q.status) for q in outcome.queries] == [("#lindeveen", "stopped"),
                                                              ("account @gemeentelindeveen", "not run")]


@pytest.mark.parametrize("scenario", [BLUESKY, REDDIT, YOUTUBE], ids=lambda s: s.kind)
def test_missing_credentials_skip_the_source_with_a_clear_message(db, api, monkeypatch, scenario):
    scenario.serve(api)
    for name in scenario.env:
        monkeypatch.delenv(name, raising=False)
    bare = type(scenario)(**{**scenario.__dict__, "env": {}})
    outcome = harvest(db, bare, api, monkeypatch)
    assert outcome.status == "skipped"
    name = next(iter(scenario.env))
    assert f"set the environment variable {name}" in outcome.error
    assert "Prefect Secret block" in outcome.error
    assert api.requests == []  # nothing was even asked
    assert stored(db, scenario.platform) == []


def test_secrets_never_reach_logs_errors_or_the_database(db, api, monkeypatch, caplog):
    BLUESKY.serve(api)
    password = BLUESKY.env["BLUESKY_APP_PASSWORD"]
    token = recorded("bluesky/session.json")["accessJwt"]
    # An API that echoes the token back in its error must not get it into our message.
    api.inject("/xrpc/app.bsky.feed.searchPosts", Reply({"error": "ExpiredToken", "message": f"token {token} expired"},
                                                        401), params={"cursor": "c1"})
    caplog.set_level(logging.DEBUG)
    outcome = harvest(db, BLUESKY, api, monkeypatch)
    assert outcome.status == "partial"
    assert "HTTP 401 (check the credentials)" in outcome.error and "token *** expired" in outcome.error
    # The token was sent where it belongs: in the Authorization header, and the password only in the login body.
    search = api.hits("/xrpc/app.bsky.feed.searchPosts")[0]
    assert search.headers["Authorization"] == f"Bearer {token}"
    assert password.encode() in api.hits("/xrpc/com.atproto.server.createSession")[0].body
    texts = [caplog.text, outcome.error, json.dumps([str(r) for r in db.execute(
        "SELECT * FROM raw_items UNION ALL SELECT * FROM raw_items").fetchall()])]
    for table in ("mentions", "watermarks", "harvest_run_sources"):
        texts.append(json.dumps([str(r) for r in db.execute(f"SELECT * FROM {table}").fetchall()]))
    for text in texts:
        assert password not in text and token not in text


def test_youtube_key_travels_in_a_header_never_in_the_url(db, api, monkeypatch):
    YOUTUBE.serve(api)
    harvest(db, YOUTUBE, api, monkeypatch)
    key = YOUTUBE.env["YOUTUBE_API_KEY"]
    assert all(r.headers.get("X-Goog-Api-Key") == key for r in api.requests)
    assert not any(key in json.dumps(r.params) for r in api.requests)


# --- exports ---------------------------------------------------------------------------------------------------

def export_config(tmp_path, **table):
    return Config.model_validate({"municipality": {"name": "Lindeveen"}, "base_dir": tmp_path,
                                  "sources": [{"kind": "export", "name": "src", "path": "exports", **table}]})


def run_export(db, config):
    return harvest_source(db, build_source(config, config.sources[0]))


def test_coosto_csv_with_semicolons_and_dutch_dates(db, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "coosto-oktober.csv").write_text(
        "id;date;author;message;url;source;followers;sentiment\n"
        "c1;08-10-2026 14:03;@anouk;De brug is weer open!;https://x.com/anouk/status/1;Twitter;1.250;positive\n"
        "c2;08-10-2026 15:10;Redactie;Raad Lindeveen stemt in;https://nieuws.example/1;Nieuws;;neutral\n"
        "c3;gisteren;@piet;Datum kapot;https://x.com/piet/status/3;Twitter;3;neutral\n", encoding="utf-8")
    outcome = run_export(db, export_config(tmp_path, format="coosto"))
    assert outcome.status == "partial" and outcome.new == 2
    assert "coosto-oktober.csv:4: cannot normalise (ValueError: date 'gisteren' does not match a known date format)" \
        in outcome.error
    rows = db.execute("SELECT platform, id, created_at, author_handle, text, author_followers FROM mentions"
                      " ORDER BY id").fetchall()
    assert [(r[0], r[1], r[3], r[5]) for r in rows] == [("twitter", "c1", "@anouk", 1250), ("news", "c2", "Redactie", None)]
    assert rows[0][2] == datetime(2026, 10, 8, 12, 3, tzinfo=UTC)  # 14:03 in Amsterdam summer time
    again = run_export(db, export_config(tmp_path, format="coosto"))
    assert again.fetched == 0 and again.new == 0  # an unchanged file is not read again


def test_spotler_xlsx_with_a_configured_column_mapping(db, tmp_path):
    from openpyxl import Workbook

    folder = tmp_path / "exports"
    folder.mkdir()
    book = Workbook()
    sheet = book.active
    sheet.append(["Bericht ID", "Datum", "Van", "Bericht", "Kanaal", "Link"])
    sheet.append(["s-1", datetime(2026, 10, 9, 9, 30), "ria.devries", "Wanneer wordt het afval opgehaald?", "Facebook", None])
    sheet.append(["s-2", datetime(2026, 10, 9, 10, 5), "gemeentelindeveen", "Morgen, Ria!", "Facebook", None])
    book.save(folder / "engage.xlsx")
    wrong = run_export(db, export_config(tmp_path, format="spotler"))
    assert wrong.status == "partial" and wrong.new == 0
    assert "engage.xlsx:1: missing column(s) author_handle (column 'afzender')" in wrong.error
    assert "'Van'" in wrong.error and "columns = {" in wrong.error
    # The same file, unchanged, is read again once the mapping is fixed.
    fixed = run_export(db, export_config(tmp_path, format="spotler", columns={"author_handle": "Van"}))
    assert fixed.status == "ok", fixed.error
    assert db.execute("SELECT platform, id, author_handle, text FROM mentions ORDER BY id").fetchall() == [
        ("facebook", "s-1", "ria.devries", "Wanneer wordt het afval opgehaald?"),
        ("facebook", "s-2", "gemeentelindeveen", "Morgen, Ria!")]


def test_x_archive_zip(db, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    tweets = [{"tweet": {"id_str": "1850000000000000001", "full_text": "Vanavond raadsvergadering, kijk live mee.",
                         "created_at": "Wed Oct 07 17:00:00 +0000 2026", "favorite_count": "4", "retweet_count": "1",
                         "lang": "nl"}},
              {"tweet": {"id_str": "1850000000000000002", "full_text": "@anouk Dank voor uw melding.",
                         "created_at": "Thu Oct 08 12:10:00 +0000 2026", "in_reply_to_status_id_str": "1849",
                         "favorite_count": "0", "retweet_count": "0", "lang": "nl"}},
              {"note": "geen tweet"}]
    with zipfile.ZipFile(folder / "twitter-2026.zip", "w") as archive:
        archive.writestr("data/tweets.js", "window.YTD.tweets.part0 = " + json.dumps(tweets))
        archive.writestr("data/account.js", 'window.YTD.account.part0 = [{"account": {"username": "GemLindeveen"}}]')
    outcome = run_export(db, export_config(tmp_path, format="x-archive"))
    assert outcome.new == 2 and outcome.status == "partial"
    assert "twitter-2026.zip:data/tweets.js: item 3 has no tweet.id_str" in outcome.error
    rows = db.execute("SELECT platform, id, author_handle, in_reply_to_id, likes FROM mentions ORDER BY id").fetchall()
    assert rows == [("twitter", "1850000000000000001", "GemLindeveen", None, 4),
                    ("twitter", "1850000000000000002", "GemLindeveen", "1849", 0)]


# --- snscrape --------------------------------------------------------------------------------------------------

def test_snscrape_is_skipped_with_a_reason_where_it_cannot_run():
    with pytest.raises(SourceSkipped, match="snscrape does not work on Python 3.12"):
        load_scraper("telegram-channel", python=(3, 12))


def test_snscrape_telegram_channel_posts_are_stored_and_the_watermark_moves(db):
    telegram = pytest.importorskip("snscrape.modules.telegram", reason="the snscrape extra is not installed")
    posts = {"gemeentelindeveen": [
        telegram.TelegramPost(url=f"https://t.me/gemeentelindeveen/{n}", content=f"Bericht {n} over Lindeveen",
                              date=datetime(2026, 11, n, 9, tzinfo=UTC), outlinks=[]) for n in (12, 11, 9)]}

    class Channel:  # what snscrape's TelegramChannelScraper gives: real TelegramPost items, newest first
        def __init__(self, name):
            self.name = name

        def get_items(self):
            yield from posts[self.name]

    settings = Config.model_validate({"municipality": {"name": "L"}, "sources": [
        {"kind": "snscrape", "name": "src", "scraper": "telegram-channel", "targets": ["gemeentelindeveen"]}]}).sources[0]
    first = harvest_source(db, ScraperSource(settings, scraper=Channel))
    assert first.new == 3, first.error
    assert stored(db, "telegram") == ["gemeentelindeveen/11", "gemeentelindeveen/12", "gemeentelindeveen/9"]
    posts["gemeentelindeveen"].insert(0, telegram.TelegramPost(
        url="https://t.me/gemeentelindeveen/13", content="Nieuw", date=datetime(2026, 11, 20, tzinfo=UTC), outlinks=[]))
    second = harvest_source(db, ScraperSource(settings, scraper=Channel))
    assert (second.fetched, second.new) == (1, 1)
    mention = normalise_scraped(json.loads(posts["gemeentelindeveen"][0].json()))
    assert mention | {"created_at": None} == {
        "platform": "telegram", "id": "gemeentelindeveen/13", "created_at": None, "author_handle": "gemeentelindeveen",
        "text": "Nieuw", "url": "https://t.me/gemeentelindeveen/13"}


def test_conversations_a_stopped_run_left_are_read_by_the_next_run(db, api, monkeypatch):
    MASTODON.serve(api)
    # The first conversation read meets a rate limit that lasts too long: the source stops there.
    api.inject("/api/v1/statuses/113200000000000110/context", Reply({"error": "slow down"}, 429, {"Retry-After": "3600"}))
    first = harvest(db, MASTODON, api, monkeypatch, max_wait_seconds=60, revisit_days=0)
    assert first.status == "partial"
    assert "conversation of status 113200000000000110: rate limited: asked to wait 3600 s" in first.error
    assert first.behind == ["conversations (2): 2 conversations not read yet (the source stopped); the next run reads them"]
    replies = {"113200000000000111", "113200000000000099"}  # only reachable through the conversations
    assert not replies & set(stored(db, "mastodon"))
    # No post is young enough to be revisited: the conversations are read because the last run had to leave them.
    again = harvest(db, MASTODON, api, monkeypatch, revisit_days=0)
    assert again.status == "ok", again.error
    assert replies <= set(stored(db, "mastodon"))
    assert not [k for k in get_watermarks(db, "src") if k.startswith("conversation ")]  # none left to read
    third = harvest(db, MASTODON, api, monkeypatch, revisit_days=0)
    assert [q.label for q in third.queries] == ["#lindeveen", "account @gemeentelindeveen"]  # nothing left to read
