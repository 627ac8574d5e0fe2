"""Importing Mentions JSONL v1 and CSV: good rows stored once, bad rows reported as file:line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from luisterpost import importer
from luisterpost.errors import UserError
from luisterpost.importer import import_file

GOOD = {"platform": "mastodon", "id": "1", "created_at": "2026-03-01T10:00:00+01:00",
        "author_handle": "@Anouk@mastodon.nl", "text": "De container is niet opgehaald", "likes": 3}


def write_jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def stored(db):
    return db.execute("SELECT platform, id, created_at::VARCHAR, author_handle, text, likes, url "
                      "FROM mentions ORDER BY platform, id").fetchall()


def test_import_stores_rows_and_reports_each_bad_line(db, tmp_path):
    path = write_jsonl(tmp_path / "m.jsonl", [
        GOOD,
        {**GOOD, "id": "2", "created_at": "2026-03-01T10:00:00"},
        "{not json",
        "",
        "[1, 2]",
        {**GOOD, "id": "3", "likes": -1},
        {**GOOD, "id": "4", "likes": 2.5},
        {k: v for k, v in GOOD.items() if k != "text"} | {"id": "5"},
        {**GOOD, "id": "6", "created_at": "gisteren"},
        {**GOOD, "id": "7", "platform": "Bluesky", "likes": "12", "url": "https://x.invalid/7"},
    ])
    result = import_file(db, path)
    assert result.problems == [
        f"{path}:2: created_at \"2026-03-01T10:00:00\" has no time zone (add Z or +01:00)",
        f"{path}:3: not valid JSON",
        f"{path}:5: not a JSON object",
        f"{path}:6: likes \"-1\" is not a whole number ≥ 0",
        f"{path}:7: likes \"2.5\" is not a whole number ≥ 0",
        f"{path}:8: missing required field \"text\"",
        f"{path}:9: created_at \"gisteren\" is not an ISO-8601 date and time",
    ]
    assert (result.read, result.new, result.updated) == (9, 2, 0)
    assert stored(db) == [
        ("bluesky", "7", "2026-03-01 09:00:00+00", "@Anouk@mastodon.nl", "De container is niet opgehaald", 12,
         "https://x.invalid/7"),
        ("mastodon", "1", "2026-03-01 09:00:00+00", "@Anouk@mastodon.nl", "De container is niet opgehaald", 3, None),
    ]
    run = db.execute("SELECT kind, status FROM harvest_runs").fetchall()
    source = db.execute("SELECT source, status, fetched, new, skipped, error FROM harvest_run_sources").fetchall()
    assert run == [("import", "partial")]
    assert source[0][:5] == ("import:m.jsonl", "partial", 9, 2, 7)
    assert f"{path}:3: not valid JSON" in source[0][5]


def test_reimport_adds_nothing_and_a_reseen_post_updates_engagement(db, tmp_path):
    path = write_jsonl(tmp_path / "m.jsonl", [GOOD, {**GOOD, "id": "2", "url": "https://x.invalid/2"}])
    import_file(db, path)
    again = import_file(db, path)
    assert (again.new, again.updated) == (0, 0)
    assert db.execute("SELECT count(*) FROM mentions").fetchall() == [(2,)]
    # Seen again with more likes and without the optional url: counts move, nothing is erased.
    later = write_jsonl(tmp_path / "later.jsonl", [{**GOOD, "id": "2", "likes": 40}])
    result = import_file(db, later)
    assert (result.new, result.updated) == (0, 1)
    assert db.execute("SELECT likes, url, source FROM mentions WHERE id = '2'").fetchall() == [
        (40, "https://x.invalid/2", "import:m.jsonl")
    ]


def test_the_same_post_twice_in_one_file_is_stored_once_last_copy_wins(db, tmp_path):
    path = write_jsonl(tmp_path / "m.jsonl", [GOOD, {**GOOD, "likes": 9}])
    result = import_file(db, path)
    assert (result.new, result.updated) == (1, 0)
    assert db.execute("SELECT likes FROM mentions").fetchall() == [(9,)]


def test_undecodable_line_is_reported_and_the_rest_loads(db, tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + b'{"text": "caf\xe9"}\n'
                     + json.dumps({**GOOD, "id": "2"}).encode() + b"\n")
    result = import_file(db, path)
    assert result.problems == [f"{path}:2: not UTF-8 text"]
    assert result.new == 2


def test_csv_import_uses_the_same_columns_and_counts_lines_of_multiline_texts(db, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(
        "platform,id,created_at,author_handle,text,likes\n"
        'facebook,10,2026-03-02T08:00:00Z,jan,"Regel een\nregel twee",4\n'
        "facebook,11,2026-03-02T08:00:00Z,jan,zonder zone,x\n"
        "facebook,12,2026-03-02T08:00:00Z,,geen auteur,1\n",
        encoding="utf-8",
    )
    result = import_file(db, path)
    assert result.problems == [f'{path}:4: likes "x" is not a whole number ≥ 0',
                               f'{path}:5: missing required field "author_handle"']
    assert db.execute("SELECT id, text, likes FROM mentions").fetchall() == [("10", "Regel een\nregel twee", 4)]


def test_csv_without_a_required_column_is_refused_whole(db, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("platform,id,created_at,text\nx,1,2026-03-02T08:00:00Z,hoi\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"m.csv:1: missing required column\(s\): author_handle"):
        import_file(db, path)


def test_a_failure_part_way_leaves_nothing_half_written(db, tmp_path, monkeypatch):
    first = write_jsonl(tmp_path / "first.jsonl", [GOOD])
    import_file(db, first)
    before = stored(db)
    path = write_jsonl(tmp_path / "m.jsonl", [{**GOOD, "id": str(i), "likes": 99} for i in range(1, 8)])
    monkeypatch.setattr(importer, "CHUNK_ROWS", 3)
    calls = {"n": 0}
    real = importer.store_staged

    def failing(con, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(con, **kwargs)

    monkeypatch.setattr(importer, "store_staged", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        importer.import_file(db, path)
    assert calls["n"] == 2  # the first chunk was written inside the transaction, then rolled back
    assert stored(db) == before
    assert db.execute("SELECT count(*) FROM harvest_runs").fetchall() == [(1,)]


def test_cli_import_exit_code_is_non_zero_when_rows_were_skipped(write_config, tmp_path):
    config = write_config()
    good = write_jsonl(tmp_path / "good.jsonl", [GOOD])
    bad = write_jsonl(tmp_path / "bad.jsonl", [{**GOOD, "id": "2"}, "{oops"])
    run = [sys.executable, "-m", "luisterpost", "--config", str(config), "import"]
    ok = subprocess.run(run + [str(good)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "1 rows read, 1 new, 0 updated, 0 skipped" in ok.stdout
    partial = subprocess.run(run + [str(bad)], capture_output=True, text=True)
    assert partial.returncode == 1
    assert f"{bad}:2: not valid JSON" in partial.stderr
    assert "2 rows read, 1 new, 0 updated, 1 skipped" in partial.stdout
    missing = subprocess.run(run + [str(tmp_path / "nope.jsonl")], capture_output=True, text=True)
    assert missing.returncode == 2 and "file not found" in missing.stderr and "Traceback" not in missing.stderr
