"""Renormalising: a fixed normaliser applied to the stored raw payloads, on a real DuckDB, without the network."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from luisterpost.config import Config, load_config
from luisterpost.errors import UserError
from luisterpost.harvest import harvest_source
from luisterpost.renormalise import renormalise
from luisterpost.sources import build_source
from luisterpost.sources.mastodon import MastodonSource, normalise_status
from luisterpost.store import open_db
from luisterpost.store.mentions import FIELDS
from tests.scenarios import MASTODON
from tests.test_sources import config_for, harvest
from tests.test_sources_more import export_config

FAILS = "113200000000000104"  # the item the faulty normaliser cannot read


def faulty(self, item):
    """A normaliser with two bugs: it loses the reply link and invents a conversation; and it fails on one item."""
    if item.id == FAILS:
        raise KeyError("account")
    return {**normalise_status(item.payload), "in_reply_to_id": None, "conversation_id": f"c-{item.id}"}


def rows(db, platform="mastodon"):
    return db.execute(f"SELECT {', '.join(FIELDS)}, source FROM mentions WHERE platform = ? ORDER BY id",
                      [platform]).fetchall()


def counts(result):
    return [(r.source, r.read, r.updated, r.inserted, r.unchanged, r.problems) for r in result.sources]


@pytest.fixture
def faulty_harvest(db, api, monkeypatch):
    """A Mastodon harvest through the faulty normaliser; returns the config it used."""
    MASTODON.serve(api)
    with monkeypatch.context() as patched:
        patched.setattr(MastodonSource, "normalise", faulty)
        outcome = harvest(db, MASTODON, api, monkeypatch)
    assert outcome.status == "partial" and f"mastodon status {FAILS}: cannot normalise (KeyError: 'account')" in outcome.error
    return config_for(MASTODON, api)


def test_a_fixed_normaliser_corrects_the_stored_mentions_in_place(db, api, monkeypatch, faulty_harvest):
    assert db.execute("SELECT count(*) FROM mentions WHERE conversation_id IS NOT NULL").fetchall() == [(8,)]
    requests = len(api.requests)
    result = renormalise(db, faulty_harvest, chunk_rows=2)  # pages of two: five of them
    assert len(api.requests) == requests  # nothing fetched
    assert counts(result) == [("src", 9, 8, 1, 0, [])]
    # The same rows as a harvest through the fixed normaliser: the reply links back, the invented
    # conversations emptied, the item that failed added, nothing twice.
    clean = open_db(":memory:")
    harvest(clean, MASTODON, api, monkeypatch)
    assert rows(db) == rows(clean)
    assert [r[:2] + r[9:11] for r in rows(db) if r[1] in {"113200000000000111", FAILS}] == [
        ("mastodon", FAILS, None, None), ("mastodon", "113200000000000111", "113200000000000110", None)]
    # What changed is enriched, and the run is recorded.
    assert result.enriched == 9 == db.execute("SELECT count(*) FROM enrichments").fetchall()[0][0]
    assert db.execute("SELECT kind, status FROM harvest_runs WHERE run_id = ?", [result.run_id]).fetchall() == [
        ("renormalise", "ok")]
    assert db.execute("SELECT source, status, fetched, new, updated, skipped FROM harvest_run_sources"
                      " WHERE run_id = ?", [result.run_id]).fetchall() == [("src", "ok", 9, 1, 8, 0)]


def test_a_changed_language_tag_is_enriched_again(db, api, monkeypatch):
    from luisterpost.enrich.run import enrich_pending, matcher_for

    MASTODON.serve(api)
    with monkeypatch.context() as patched:
        patched.setattr(MastodonSource, "normalise", lambda self, item: {**normalise_status(item.payload), "lang": "en"})
        harvest(db, MASTODON, api, monkeypatch)
    config = config_for(MASTODON, api)
    assert enrich_pending(db, matcher_for(config)) == 9
    assert db.execute("SELECT DISTINCT language FROM enrichments").fetchall() == [("en",)]
    # Only the language tag changes, not the texts: enrichment is redone all the same.
    result = renormalise(db, config)
    assert counts(result) == [("src", 9, 9, 0, 0, [])] and result.enriched == 9
    assert db.execute("SELECT DISTINCT language FROM enrichments").fetchall() == [("nl",)]


def test_renormalising_again_changes_nothing(db, faulty_harvest):
    renormalise(db, faulty_harvest)
    before = db.execute("SELECT * FROM mentions ORDER BY id").fetchall()
    again = renormalise(db, faulty_harvest)
    assert counts(again) == [("src", 9, 0, 0, 9, [])] and again.enriched == 0
    assert db.execute("SELECT * FROM mentions ORDER BY id").fetchall() == before


def test_items_that_still_do_not_normalise_are_reported_and_skipped(db, monkeypatch, faulty_harvest):
    def still_faulty(self, item):
        if item.id == FAILS:
            raise KeyError("account")
        if item.id == "113200000000000101":
            return {**normalise_status(item.payload), "created_at": "gisteren"}
        return normalise_status(item.payload)

    monkeypatch.setattr(MastodonSource, "normalise", still_faulty)
    result = renormalise(db, faulty_harvest)
    assert counts(result) == [("src", 9, 7, 0, 0, [
        f"mastodon {FAILS}: cannot normalise (KeyError: 'account')",
        'mastodon 113200000000000101: created_at "gisteren" is not an ISO-8601 date and time'])]
    # A skipped item keeps what was stored for it.
    assert db.execute("SELECT conversation_id FROM mentions WHERE id = '113200000000000101'").fetchall() == [
        ("c-113200000000000101",)]
    assert db.execute("SELECT status, skipped FROM harvest_run_sources WHERE run_id = ?",
                      [result.run_id]).fetchall() == [("partial", 2)]


def test_a_source_whose_normaliser_breaks_down_fails_alone(db, monkeypatch, faulty_harvest, tmp_path):
    config = Config.model_validate({**faulty_harvest.model_dump(), "base_dir": tmp_path, "sources": [
        *[s.model_dump() for s in faulty_harvest.sources], {"kind": "jsonl", "name": "drop", "path": "drop"}]})

    def broken(self, item):
        raise RuntimeError("a bug")

    monkeypatch.setattr(MastodonSource, "normalise", broken)
    result = renormalise(db, config)
    assert [(r.source, r.failed, r.note) for r in result.sources] == [
        ("src", True, "failed: RuntimeError: a bug"),
        ("drop", False, "a drop folder keeps no raw payloads: its files are read again when they change")]
    assert db.execute("SELECT status FROM harvest_runs").fetchall() == [("partial",)]
    assert db.execute("SELECT count(*) FROM mentions WHERE conversation_id IS NOT NULL").fetchall() == [(8,)]


def test_since_takes_only_the_payloads_fetched_on_or_after_that_day(db, faulty_harvest):
    db.execute("UPDATE raw_items SET fetched_at = ?", [datetime(2026, 10, 1, 12, tzinfo=UTC)])
    # Fetched on 21 November, 00:30 in Amsterdam: that day, though still the 20th in UTC.
    db.execute("UPDATE raw_items SET fetched_at = ? WHERE id IN (?, '113200000000000111')",
               [datetime(2026, 11, 20, 23, 30, tzinfo=UTC), FAILS])
    result = renormalise(db, faulty_harvest, since=date(2026, 11, 21))
    assert counts(result) == [("src", 2, 1, 1, 0, [])]
    linked = db.execute("SELECT id FROM mentions WHERE in_reply_to_id IS NOT NULL ORDER BY id").fetchall()
    assert linked == [("113200000000000111",)]  # the other replies were fetched before that day
    none = renormalise(db, faulty_harvest, since=date(2026, 11, 22))
    assert counts(none) == [("src", 0, 0, 0, 0, [])]
    assert none.sources[0].note == "no raw payloads fetched since 2026-11-22"


def test_only_the_named_source_and_an_unknown_name_lists_the_sources(db, faulty_harvest, tmp_path):
    config = Config.model_validate({**faulty_harvest.model_dump(), "base_dir": tmp_path, "sources": [
        *[s.model_dump() for s in faulty_harvest.sources],
        {"kind": "jsonl", "name": "drop", "path": "drop"}, {"kind": "export", "name": "coosto", "format": "coosto",
                                                             "path": "exports"}]})
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "a.jsonl").write_text(json.dumps(
        {"platform": "facebook", "id": "f1", "created_at": "2026-10-01T08:00:00+02:00", "author_handle": "jan",
         "text": "hoi"}) + "\n", encoding="utf-8")
    assert harvest_source(db, build_source(config, config.sources[1])).new == 1
    only = renormalise(db, config, source="drop")
    assert counts(only) == [("drop", 0, 0, 0, 0, [])]
    assert db.execute("SELECT count(*) FROM mentions WHERE in_reply_to_id IS NOT NULL").fetchall() == [(0,)]
    everything = renormalise(db, config)
    assert [(r.source, r.read, r.note) for r in everything.sources] == [
        ("src", 9, None), ("drop", 0, "a drop folder keeps no raw payloads: its files are read again when they change"),
        ("coosto", 0, "no raw payloads stored")]
    with pytest.raises(UserError, match=r"--source 'mastodon': no source of that name in the config "
                                        r"\(its sources: src, drop, coosto\)"):
        renormalise(db, config, source="mastodon")


def test_an_export_read_with_the_wrong_time_zone_is_corrected(db, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "coosto.csv").write_text("id;date;author;message\nc1;08-10-2026 14:03;@anouk;De brug is open\n",
                                       encoding="utf-8")
    assert harvest_source(db, build_source(export_config(tmp_path, format="coosto"),
                                           export_config(tmp_path, format="coosto").sources[0])).new == 1
    # The export was in UTC after all. Reading the file again keeps a mention's time as first stored ...
    fixed = export_config(tmp_path, format="coosto", timezone="UTC")
    assert harvest_source(db, build_source(fixed, fixed.sources[0])).fetched == 1
    stored = db.execute("SELECT created_at FROM mentions").fetchall()
    assert stored == [(datetime(2026, 10, 8, 12, 3, tzinfo=UTC),)]
    # ... renormalising replaces it.
    assert counts(renormalise(db, fixed)) == [("src", 1, 1, 0, 0, [])]
    assert db.execute("SELECT created_at FROM mentions").fetchall() == [(datetime(2026, 10, 8, 14, 3, tzinfo=UTC),)]


def test_the_command(write_config, tmp_path):
    import subprocess
    import sys

    path = write_config('[[sources]]\nkind = "export"\nname = "coosto"\nformat = "coosto"\npath = "exports"\n'
                        'platform = "facebook"\n')
    config = load_config(path)
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "a.csv").write_text(
        "id;date;author;message\nf1;01-10-2026 08:00;jan;hoi\nf2;;jan;hoi\n", encoding="utf-8")
    con = open_db(config.database_path)
    harvest_source(con, build_source(config, config.sources[0]))
    con.close()

    def luisterpost(*args):
        return subprocess.run([sys.executable, "-m", "luisterpost", "--config", str(path), "renormalise", *args],
                              capture_output=True, text=True)

    done = luisterpost()
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == ["coosto: 2 read, 0 updated, 0 inserted, 1 unchanged, 1 skipped",
                                        "0 mentions enriched again"]
    assert "skipped facebook f2: cannot normalise (ValueError: the date is empty)" in done.stderr
    unknown = luisterpost("--source", "mastodon")
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    assert unknown.stderr.strip() == "error: --source 'mastodon': no source of that name in the config (its sources: coosto)"
