"""Harvest as plain functions: idempotent, incremental, and safe when a source fails part-way."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path


from luisterpost import harvest as harvest_module
from luisterpost.config import Config
from luisterpost.harvest import harvest_source
from luisterpost.sources import build_sources
from luisterpost.sources.base import Batch, Query, RawItem, SourceBase, SourceContext
from luisterpost.sources.demo import DemoSource, DemoSourceSettings
from luisterpost.sources.dropfolder import DropFolderSettings, DropFolderSource
from luisterpost.store import open_db
from luisterpost.store.runs import get_watermarks

SETTINGS = DemoSourceSettings(kind="demo", months=1, until=date(2026, 10, 31))


def demo(now: datetime | None = None) -> DemoSource:
    return DemoSource(SETTINGS, SourceContext(**({"now": now} if now else {})))


def drop_folder(settings: DropFolderSettings, base: Path) -> DropFolderSource:
    """A drop folder whose path is relative to `base` (where the config would be)."""
    config = Config.model_validate({"municipality": {"name": "Lindeveen"}, "base_dir": base})
    return DropFolderSource(settings, SourceContext(config=config))


def snapshot(con):
    return con.execute(
        "SELECT platform, id, created_at, author_handle, text, likes, in_reply_to_id, conversation_id "
        "FROM mentions ORDER BY platform, id"
    ).fetchall()


def test_harvesting_twice_gives_the_same_rows(db):
    first = harvest_source(db, demo())
    rows = snapshot(db)
    second = harvest_source(db, demo())
    assert first.status == "ok" and first.new == len(rows) > 1000
    assert (second.fetched, second.new, second.updated) == (0, 0, 0)
    assert snapshot(db) == rows
    assert db.execute("SELECT count(*) FROM raw_items").fetchall() == [(len(rows),)]


def test_nightly_increments_add_up_to_one_backfill(db):
    # Three nights in a row against one database, versus one harvest at the end in another.
    for day in (20, 25, 31):
        harvest_source(db, demo(datetime(2026, 10, day, 23, 59, tzinfo=UTC)))
    other = open_db(":memory:")
    harvest_source(other, demo(datetime(2026, 10, 31, 23, 59, tzinfo=UTC)))
    assert snapshot(db) == snapshot(other)
    assert get_watermarks(db, "demo") == {"all": "2026-10-31T23:00:00+00:00"}


def test_demo_is_deterministic_and_lively(db):
    harvest_source(db, demo())
    platforms = dict(db.execute("SELECT platform, count(*) FROM mentions GROUP BY ALL").fetchall())
    assert set(platforms) == {"facebook", "mastodon", "bluesky", "instagram", "youtube", "reddit", "news"}
    own = db.execute("SELECT count(*) FROM mentions WHERE author_handle ILIKE 'gemeentelindeveen%'"
                     " OR author_handle = 'GemeenteLindeveen'").fetchall()[0][0]
    replies = db.execute("SELECT count(*) FROM mentions WHERE in_reply_to_id IS NOT NULL").fetchall()[0][0]
    assert own > 100 and replies > 1000
    # The storm week (8–14 October) stands out against the rest of the month.
    storm, normal = db.execute(
        "SELECT count(*) FILTER (WHERE created_at >= '2026-10-08' AND created_at < '2026-10-15') / 7,"
        "       count(*) FILTER (WHERE created_at >= '2026-10-17') / 14.0 FROM mentions"
    ).fetchall()[0]
    assert storm > 2 * normal


class Flaky(SourceBase):
    """A source with one query of three batches whose second one fails in the way the test chooses."""

    name = "flaky"

    def __init__(self, fail: str):
        self.fail = fail

    def open(self, watermarks: Mapping[str, str]) -> list[Query]:
        return [Query("#lindeveen", "#lindeveen", self.read)]

    def read(self, watermark: str | None) -> Iterator[Batch]:
        for n in (1, 2, 3):
            if n == 2 and self.fail == "fetch":
                raise ConnectionError("connection reset by peer")
            items = [RawItem("mastodon", f"{n}{i}", {"n": n, "i": i}) for i in range(3)]
            yield Batch("#lindeveen", items, f"watermark-{n}")

    def normalise(self, item: RawItem) -> dict:
        return {"platform": "mastodon", "id": item.id, "created_at": "2026-10-01T12:00:00Z",
                "author_handle": "anouk", "text": f"bericht {item.id}"}


def test_a_failure_during_fetch_keeps_stored_batches_and_their_watermark(db):
    outcome = harvest_source(db, Flaky("fetch"))
    assert outcome.status == "failed"
    assert outcome.error == "#lindeveen: ConnectionError: connection reset by peer"
    assert [r[1] for r in snapshot(db)] == ["10", "11", "12"]
    assert get_watermarks(db, "flaky") == {"#lindeveen": "watermark-1"}


def test_a_failure_mid_batch_leaves_rows_and_watermark_as_they_were(db, monkeypatch):
    harvest_source(db, Flaky("none"))
    before, marks = snapshot(db), get_watermarks(db, "flaky")
    db.execute("DELETE FROM watermarks")  # make the source fetch everything again
    db.execute("INSERT INTO watermarks VALUES ('flaky', '#lindeveen', 'watermark-1', now())")
    calls = {"n": 0}
    real = harvest_module.set_watermark

    def failing(con, source, query, value):
        real(con, source, query, value)
        calls["n"] += 1
        if value == "watermark-2":
            raise OSError("disk full")  # after the rows of batch 2 were written in its transaction

    monkeypatch.setattr(harvest_module, "set_watermark", failing)
    db.execute("DELETE FROM mentions WHERE id LIKE '2%' OR id LIKE '3%'")
    outcome = harvest_source(db, Flaky("none"))
    assert outcome.status == "failed" and "disk full" in outcome.error
    assert [r[1] for r in snapshot(db)] == ["10", "11", "12"]
    assert get_watermarks(db, "flaky") == {"#lindeveen": "watermark-1"}
    assert len(before) == 9 and marks == {"#lindeveen": "watermark-3"}


def test_items_that_cannot_be_normalised_are_skipped_and_named(db):
    class Broken(Flaky):
        def normalise(self, item):
            if item.id == "11":
                return {**super().normalise(item), "created_at": "1 oktober"}
            if item.id == "12":
                raise KeyError("account")
            return super().normalise(item)

    outcome = harvest_source(db, Broken("none"))
    assert outcome.status == "partial"
    assert outcome.skipped == 2 and outcome.new == 7
    assert "mastodon 12: cannot normalise (KeyError: 'account')" in outcome.error
    assert 'mastodon 11: created_at "1 oktober" is not an ISO-8601 date and time' in outcome.error
    # The raw payload is kept even when normalising failed, so a fix can re-run without re-harvesting.
    assert db.execute("SELECT count(*) FROM raw_items WHERE source = 'flaky'").fetchall() == [(9,)]


def test_harvested_items_keep_the_same_time_rules_as_files(db):
    class Dated(Flaky):
        def normalise(self, item):
            times = {"10": "1899-10-01T12:00:00Z", "11": "2026-10-01", "12": "2026-10-01T12:00:00+25:00"}
            return {**super().normalise(item), "created_at": times.get(item.id, "2026-10-01T12:00:00Z")}

    outcome = harvest_source(db, Dated("none"))
    assert outcome.error.splitlines() == [
        'mastodon 10: created_at "1899-10-01T12:00:00Z" is outside the years 2000–2100',
        'mastodon 11: created_at "2026-10-01" is a date without a time (write e.g. 2026-10-08T14:03:00+02:00)',
        'mastodon 12: created_at "2026-10-01T12:00:00+25:00" has an offset beyond ±14:00',
    ]
    assert outcome.new == 6


def test_drop_folder_imports_each_file_once_and_rereads_changed_files(db, tmp_path):
    folder = tmp_path / "drop"
    source = drop_folder(DropFolderSettings(kind="jsonl", name="drop", path="drop"), tmp_path)
    assert harvest_source(db, source).fetched == 0 and folder.is_dir()
    line = {"platform": "facebook", "id": "1", "created_at": "2026-10-01T08:00:00+02:00",
            "author_handle": "jan", "text": "hoi"}
    (folder / "a.jsonl").write_text(json.dumps(line) + "\n{kapot\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a mentions file", encoding="utf-8")
    first = harvest_source(db, source)
    assert (first.status, first.new, first.skipped) == ("partial", 1, 1)
    assert first.error == "a.jsonl:2: not valid JSON"
    assert harvest_source(db, source).fetched == 0
    (folder / "a.jsonl").write_text(json.dumps(line) + "\n" + json.dumps({**line, "id": "2"}) + "\n", encoding="utf-8")
    again = harvest_source(db, source)
    assert (again.fetched, again.new, again.updated) == (2, 1, 0)


def test_csv_drop_folder(db, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "export.csv").write_text(
        "platform,id,created_at,author_handle,text,likes\nnews,9,2026-10-01T08:00:00Z,redactie,Kop,3\n"
        "news,10,2026-10-01T08:00:00Z,redactie,Kop,veel\n", encoding="utf-8")
    outcome = harvest_source(db, drop_folder(DropFolderSettings(kind="csv", path="csv"), tmp_path))
    assert outcome.new == 1 and outcome.error == 'export.csv:3: likes "veel" is not a whole number ≥ 0'


def test_sources_are_built_from_config(demo_config):
    sources = build_sources(demo_config)
    assert [s.name for s in sources] == ["demo", "drop"]
    assert sources[1].folder == demo_config.base_dir / "drop"
