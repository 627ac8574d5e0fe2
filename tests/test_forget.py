"""Erasure and objection: `forget` removes a person's (or one post's) every byte from the database file, keeps
only keyed hashes, and later harvests and imports leave them out and scrub their handle from others' posts."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from luisterpost.config import Config
from luisterpost.errors import UserError
from luisterpost.harvest import harvest_source
from luisterpost.importer import import_file
from luisterpost.metrics.privacy import Pseudonymiser
from luisterpost.sources.base import Batch, Query, RawItem, SourceBase, SourceContext
from luisterpost.sources.demo import DemoSource, DemoSourceSettings
from luisterpost.store import open_db
from luisterpost.store.compact import compact
from luisterpost.store.forget import forget_person, forget_post
from luisterpost.store.runs import SourceOutcome, record_source, start_run
from luisterpost.store.suppression import add, load, suppressor_of
from tests.conftest import store_enrichment

KEY = Pseudonymiser(b"test-key, long enough to be accepted")
HANDLE = b"klaasvaak1977"


def post(id: str, handle: str, text: str, author_id: str, reply_to: str | None = None) -> RawItem:
    """A raw Mastodon-like payload: the author, the text, and the accounts it mentions (with their URLs)."""
    mentions = [{"acct": "Klaasvaak1977", "id": "acct-77", "url": "https://social.example/@Klaasvaak1977"}] \
        if "klaasvaak1977" in text.lower() else []
    return RawItem("mastodon", id, {"id": id, "account": {"acct": handle, "id": author_id}, "content": text,
                                    "in_reply_to_id": reply_to, "mentions": mentions,
                                    "url": f"https://social.example/@{handle.split('@')[0]}/{id}"})


class Posts(SourceBase):
    """A source returning given raw items in one batch, normalised from the payload above."""

    def __init__(self, items: list[RawItem], name: str = "posts"):
        self.items, self.name = items, name

    def open(self, watermarks: Mapping[str, str]) -> list[Query]:
        return [Query("all", "all", self.read)]

    def read(self, watermark: str | None) -> Iterator[Batch]:
        yield Batch("all", list(self.items), None)

    def normalise(self, item: RawItem) -> dict:
        p = item.payload
        return {"platform": "mastodon", "id": p["id"], "created_at": "2026-10-20T12:00:00Z", "text": p["content"],
                "author_handle": p["account"]["acct"], "author_id": p["account"]["id"],
                "in_reply_to_id": p["in_reply_to_id"], "url": p["url"]}


PERSON = [post("9001", "Klaasvaak1977@social.example", "De stoep in de Dorpsstraat ligt al weken open", "acct-77"),
          post("9002", "klaasvaak1977@social.example", "Nog steeds niets gedaan aan die stoep", "acct-77")]
REPLY = post("9003", "gemeentelindeveen@social.overheid.nl", "@Klaasvaak1977 Dag, we sturen iemand langs.",
             "own-mastodon", reply_to="9001")
OTHER = post("9004", "anouk@social.example", "Eens met @klaasvaak1977@social.example, die stoep is gevaarlijk",
             "acct-12")


def file_bytes(path: Path) -> bytes:
    """The database file and its write-ahead log, lower-cased (the handle is searched in any case)."""
    wal = path.with_name(path.name + ".wal")
    return (path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")).lower()


@pytest.fixture
def stored(tmp_path):
    """A demo month in a database file, plus a resident's two posts, the municipality's reply naming them and
    another resident's post naming them; one of the resident's posts enriched and corrected."""
    path = tmp_path / "db.duckdb"
    con = open_db(path)
    demo = DemoSource(DemoSourceSettings(kind="demo", months=1, until=date(2026, 10, 31)), SourceContext())
    harvest_source(con, demo)
    harvest_source(con, Posts([*PERSON, REPLY, OTHER]))
    store_enrichment(con, "mastodon", "9001", "negatief")
    con.execute("INSERT INTO corrections (platform, id, sentiment_label, note, corrected_at)"
                " VALUES ('mastodon', '9001', 'negatief', 'klaasvaak1977 belde ook', now())")
    run = start_run(con, "harvest")
    record_source(con, run, SourceOutcome("posts", "partial", error="https://social.example/@Klaasvaak1977/9001: 404"))
    yield path, con
    con.close()


def test_forget_leaves_no_byte_of_the_person_in_the_file(stored):
    path, con = stored
    con.execute("CHECKPOINT")
    assert HANDLE in file_bytes(path)  # the search finds the handle while it is stored
    done = forget_person(con, load(con, KEY), "mastodon", "@KlaasVaak1977@social.example")
    assert (done.posts, done.raw_items, done.enrichments, done.corrections) == (2, 2, 1, 1)
    assert (done.texts, done.payloads, done.listed) == (2, 2, 2)  # the reply and the other post; handle and id
    pseudonym = KEY.pseudonym("mastodon", "klaasvaak1977")
    assert con.execute("SELECT id, text FROM mentions WHERE id IN ('9003', '9004') ORDER BY id").fetchall() == [
        ("9003", f"@{pseudonym} Dag, we sturen iemand langs."),
        ("9004", f"Eens met @{pseudonym}, die stoep is gevaarlijk")]
    reply = json.loads(con.execute("SELECT payload FROM raw_items WHERE id = '9003'").fetchall()[0][0])
    assert reply["mentions"] == [{"acct": pseudonym, "id": KEY.pseudonym("mastodon", "id:acct-77"),
                                  "url": f"https://social.example/@{pseudonym}"}]
    assert con.execute("SELECT count(*) FROM mentions WHERE author_handle ILIKE 'gemeente%'").fetchall()[0][0] > 100
    con.close()
    compact(path)
    assert HANDLE not in file_bytes(path)
    assert pseudonym.encode() in file_bytes(path)  # what replaced it is found by the same search
    again = open_db(path)
    assert again.execute("SELECT kind, count(*) FROM suppressions GROUP BY ALL ORDER BY 1").fetchall() == [
        ("author_id", 1), ("handle", 1), ("key", 1)]
    with pytest.raises(UserError, match="made with another pseudonym key"):
        load(again, Pseudonymiser(b"another-key"))
    again.close()


def test_forget_leaves_no_byte_of_their_posts_in_an_uncompressed_file(stored, monkeypatch):
    # DuckDB compresses the large tables' texts, so a byte search finds a post's text only when they are stored
    # uncompressed: here both the database and its rewrite are, so the search can tell.
    path, con = stored
    connect = duckdb.connect

    def uncompressed(*args, **kwargs):
        opened = connect(*args, **kwargs)
        opened.execute("SET force_compression = 'uncompressed'")
        return opened

    con.execute("SET force_compression = 'uncompressed'")
    con.execute("UPDATE mentions SET text = text || '' WHERE platform = 'mastodon'")  # written again, uncompressed
    con.execute("UPDATE raw_items SET payload = payload WHERE platform = 'mastodon'")
    con.execute("CHECKPOINT")
    person = [b"dorpsstraat ligt al weken open", b"nog steeds niets gedaan", b"acct-77"]
    assert all(text in file_bytes(path) for text in person)
    forget_person(con, load(con, KEY), "mastodon", "klaasvaak1977")
    con.close()
    monkeypatch.setattr(duckdb, "connect", uncompressed)
    compact(path)
    assert not [text for text in person + [HANDLE] if text in file_bytes(path)]
    assert b"die stoep is gevaarlijk" in file_bytes(path)  # the other resident's post is kept, and found


def test_a_forgotten_person_is_left_out_of_later_harvests_and_imports(stored, tmp_path):
    path, con = stored
    forget_person(con, load(con, KEY), "mastodon", "klaasvaak1977")
    suppressor = load(con, KEY)
    later = [*PERSON, post("9005", "Klaasvaak1977@elders.example", "Nieuw account, zelfde klacht", "acct-77"),
             post("9006", "piet@social.example", "Zie ook @KLAASVAAK1977.", "acct-13")]
    outcome = harvest_source(con, Posts(later), suppressor=suppressor)
    assert (outcome.new, outcome.suppressed) == (1, 3)
    pseudonym = KEY.pseudonym("mastodon", "klaasvaak1977")
    assert con.execute("SELECT text FROM mentions WHERE id = '9006'").fetchall() == [(f"Zie ook @{pseudonym}.",)]
    assert con.execute("SELECT count(*) FROM raw_items WHERE id IN ('9001', '9002', '9005')").fetchall() == [(0,)]
    assert HANDLE not in con.execute("SELECT payload FROM raw_items WHERE id = '9006'").fetchall()[0][0].lower().encode()
    rows = tmp_path / "export.jsonl"
    rows.write_text("\n".join(json.dumps(r) for r in [
        {"platform": "mastodon", "id": "9101", "created_at": "2026-10-21T08:00:00Z", "author_handle": "@KlaasVaak1977",
         "text": "via een export"},
        {"platform": "mastodon", "id": "9102", "created_at": "2026-10-21T08:00:00Z", "author_handle": "x",
         "author_id": "acct-77", "text": "zelfde account, andere naam"},
        {"platform": "mastodon", "id": "9103", "created_at": "2026-10-21T09:00:00Z", "author_handle": "marie",
         "text": "@klaasvaak1977 heeft gelijk"}]) + "\n", encoding="utf-8")
    result = import_file(con, rows, suppressor=suppressor)
    assert (result.new, result.suppressed, result.skipped) == (1, 2, 0)
    assert con.execute("SELECT text FROM mentions WHERE id = '9103'").fetchall() == [(f"@{pseudonym} heeft gelijk",)]
    assert con.execute("SELECT suppressed FROM harvest_run_sources WHERE run_id = ?", [result.run_id]).fetchall() == [(2,)]


def test_with_a_list_to_check_nothing_is_stored_without_the_key(stored):
    path, con = stored
    forget_person(con, load(con, KEY), "mastodon", "klaasvaak1977")
    outcome = harvest_source(con, Posts([PERSON[0]], name="again"))
    assert outcome.status == "failed" and "no pseudonym key was given" in outcome.error
    assert con.execute("SELECT count(*) FROM mentions WHERE id = '9001'").fetchall() == [(0,)]


def test_forget_one_post(stored):
    path, con = stored
    done = forget_post(con, load(con, KEY), "Mastodon", "9004")
    assert (done.posts, done.raw_items, done.listed) == (1, 1, 1)
    assert con.execute("SELECT count(*) FROM mentions WHERE id = '9001'").fetchall() == [(1,)]  # others stay
    outcome = harvest_source(con, Posts([OTHER, REPLY]), suppressor=load(con, KEY))
    assert (outcome.new, outcome.suppressed) == (0, 1)
    con.close()
    compact(path)
    assert b"die stoep is gevaarlijk" not in file_bytes(path)


def test_the_suppression_list_is_read_only_when_it_holds_something(db, tmp_path):
    config = Config.model_validate({"municipality": {"name": "Lindeveen"}, "base_dir": tmp_path,
                                    "privacy": {"key_file": "key"}})
    assert suppressor_of(config, db) is None and not (tmp_path / "key").exists()


def test_forget_and_purge_commands(write_config, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from luisterpost.cli import app

    monkeypatch.setenv("LUISTERPOST_PSEUDONYM_KEY", "test-key, long enough to be accepted")
    config = write_config('[storage]\ndatabase = "db.duckdb"\n')
    con = open_db(tmp_path / "db.duckdb")
    harvest_source(con, Posts([*PERSON, REPLY]))
    con.close()
    runner = CliRunner()
    result = runner.invoke(app, ["--config", str(config), "forget", "--platform", "mastodon", "--handle",
                                 "Klaasvaak1977"])
    assert result.exit_code == 0, result.output
    assert "removed: 2 posts, 2 raw payloads, 0 enrichments, 0 corrections" in result.output
    assert "in 1 other posts' texts and 1 raw payloads" in result.output
    assert "on the suppression list: 2 keyed hashes" in result.output and "database file rewritten" in result.output
    assert HANDLE not in file_bytes(tmp_path / "db.duckdb")
    both = runner.invoke(app, ["--config", str(config), "forget", "--post", "mastodon", "1", "--handle", "x"])
    assert both.exit_code != 0 and "not both" in str(both.exception)
    rows = tmp_path / "later.jsonl"
    rows.write_text(json.dumps({"platform": "mastodon", "id": "9201", "created_at": "2026-10-22T08:00:00Z",
                                "author_handle": "klaasvaak1977", "text": "weer een klacht"}) + "\n", encoding="utf-8")
    imported = runner.invoke(app, ["--config", str(config), "import", str(rows)])
    assert "1 rows read, 0 new, 0 updated, 0 skipped, 1 suppressed" in imported.output
    status = runner.invoke(app, ["--config", str(config), "status"])
    assert "(import)" in status.output and "0 new, 0 skipped, 1 suppressed" in status.output
    purge = runner.invoke(app, ["--config", str(config), "purge"])
    assert purge.exit_code == 0 and "purged: 0 mentions created before" in purge.output


def test_payloads_lose_a_listed_handle_or_id_wherever_it_names_the_person(db):
    listed = load(db, KEY)
    for entries in {"twitter": [("handle", "twitter", "jan_v"), ("author_id", "twitter", "4711")],
                              "bluesky": [("handle", "bluesky", "jan.bsky.social"),
                                          ("author_id", "bluesky", "did:plc:abc123")]}.values():
        listed = add(db, listed, entries, datetime.now(UTC))
    tweet = {"author_id": 4711, "user": {"screen_name": "Jan_V", "id_str": "4711"},
             "text": "Jan_v en/of @jan_v: zie https://x.com/jan_v/status/1 en https://x.com/piet/status/2"}
    scrubbed = json.loads(listed.scrub_payload("twitter", json.dumps(tweet)))
    name, number = KEY.pseudonym("twitter", "jan_v"), KEY.pseudonym("twitter", "id:4711")
    assert scrubbed == {"author_id": number, "user": {"screen_name": name, "id_str": number},
                        # A bare word in a text may be anything: only @handles and URLs are taken as naming them.
                        "text": f"Jan_v en/of @{name}: zie https://x.com/{name}/status/1 en https://x.com/piet/status/2"}
    post = {"author": {"did": "did:plc:abc123", "handle": "jan.bsky.social"}, "text": "Dag @Jan.bsky.social."}
    assert json.loads(listed.scrub_payload("bluesky", json.dumps(post))) == {
        "author": {"did": KEY.pseudonym("bluesky", "id:did:plc:abc123"),
                   "handle": KEY.pseudonym("bluesky", "jan.bsky.social")},
        "text": f"Dag @{KEY.pseudonym('bluesky', 'jan.bsky.social')}."}
    unnamed = json.dumps({"text": "niets over hen", "likes": 3})
    assert listed.scrub_payload("twitter", unnamed) == unnamed  # unchanged: the same text back
