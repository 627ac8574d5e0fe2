"""Storage: migrations apply once and are recorded; no per-person relation is kept; times that cannot be
shown are moved aside."""

from __future__ import annotations

import json

from luisterpost.importer import import_file
from luisterpost.store import open_db
from luisterpost.store.db import migrations


def test_migrations_apply_once_and_are_recorded(tmp_path):
    path = tmp_path / "x.duckdb"
    con = open_db(path)
    con.execute("INSERT INTO watermarks VALUES ('s', 'q', 'v', now())")
    con.close()
    con = open_db(path)  # reopening must not re-run (and fail on) existing migrations or lose data
    versions = con.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    assert versions == [(v, n) for v, n, _ in migrations()]
    assert versions[0] == (1, "schema")
    assert con.execute("SELECT value FROM watermarks").fetchall() == [("v",)]
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"raw_items", "mentions", "harvest_runs", "harvest_run_sources", "watermarks"} <= tables


def test_no_per_person_relation_is_kept(db, tmp_path):
    # A view or table with one row per author would be a profile of each resident (docs/privacy.md).
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps({"platform": "mastodon", "id": "1", "created_at": "2026-01-01T10:00:00Z",
                                "author_handle": "@Anouk", "text": "a"}), encoding="utf-8")
    import_file(db, path)
    relations = {r[0] for r in db.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert "mentions" in relations and "authors" not in relations


def test_mentions_stored_with_times_outside_2000_2100_are_moved_aside(tmp_path):
    # As a database written before created_at was checked for its years: such rows broke status and reports.
    path = tmp_path / "old.duckdb"
    con = open_db(path)
    con.execute("DROP TABLE mentions_out_of_range")
    con.execute("DELETE FROM schema_migrations WHERE version = 4")
    for id, created_at in (("1", "2026-10-08 10:00:00+00"), ("2", "9999-10-08 10:00:00+00"),
                           ("3", "0001-01-01 00:10:00+01"), ("4", "1899-10-08 10:00:00+00")):
        con.execute("INSERT INTO mentions (platform, id, created_at, author_handle, text, source, first_seen_at,"
                    " updated_at) VALUES ('x', ?, ?::TIMESTAMPTZ, 'a', 't', 's', now(), now())", [id, created_at])
    con.close()
    con = open_db(path)
    assert con.execute("SELECT id FROM mentions").fetchall() == [("1",)]
    assert con.execute("SELECT id FROM mentions_out_of_range ORDER BY id").fetchall() == [("2",), ("3",), ("4",)]
    assert con.execute("SELECT min(created_at), max(created_at) FROM mentions").fetchall()[0][0].year == 2026


def test_enrichments_stored_before_they_carried_times_get_their_mentions_times(tmp_path):
    # As a database written before migration 005: periods are read through the enrichments' own times.
    from datetime import UTC, datetime

    from luisterpost.metrics.load import load_mentions

    path = tmp_path / "old.duckdb"
    con = open_db(path)
    con.execute("ALTER TABLE enrichments DROP COLUMN created_at")
    con.execute("DELETE FROM schema_migrations WHERE version = 5")
    con.execute("INSERT INTO mentions (platform, id, created_at, author_handle, text, source, first_seen_at,"
                " updated_at) VALUES ('mastodon', '1', '2026-10-08 10:00:00+00', 'a', 't', 's', now(), now())")
    con.execute("INSERT INTO enrichments VALUES ('mastodon', '1', 0, 'positief', 0.5, NULL, 'regels', ['afval'], [],"
                " 'nl', false, false, 'f', now())")
    con.close()
    con = open_db(path)
    assert con.execute("SELECT created_at FROM enrichments").fetchall() == \
        con.execute("SELECT created_at FROM mentions").fetchall()
    frame = load_mentions(con, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    assert frame.select("id", "sentiment_label", "themes").rows() == [("1", "positief", ["afval"])]
