"""Importing Mentions JSONL v1 and CSV: good rows stored once, bad rows reported as file:line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from luisterpost import importer, mentions_file
from luisterpost.errors import UserError
from luisterpost.importer import import_file
from luisterpost.store import open_db

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
    path = write_jsonl(tmp_path / "m.jsonl", [GOOD, {**GOOD, "likes": 9}, {**GOOD, "likes": "x"},
                                              {**GOOD, "id": "2"}, {**GOOD, "id": "2", "likes": 4}])
    result = import_file(db, path)
    assert (result.new, result.updated, result.skipped) == (2, 0, 1)
    # The last good copy: a later copy that is rejected does not count.
    assert db.execute("SELECT id, likes FROM mentions ORDER BY id").fetchall() == [("1", 9), ("2", 4)]


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


def test_a_failure_part_way_keeps_the_chunks_before_it_and_a_rerun_completes_them(db, tmp_path, monkeypatch):
    path = write_jsonl(tmp_path / "m.jsonl", [{**GOOD, "id": str(i), "likes": i} for i in range(1, 8)]
                       + [{**GOOD, "id": "2", "likes": 99}])
    clean = open_db(":memory:")
    import_file(clean, path)
    monkeypatch.setattr(mentions_file, "CHUNK_ROWS", 3)
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
    assert [row[1] for row in stored(db)] == ["1", "2", "3"]  # the first chunk, committed on its own
    assert db.execute("SELECT status FROM harvest_runs").fetchall() == [("failed",)]
    assert db.execute("SELECT status, fetched, new, error FROM harvest_run_sources").fetchall() == [
        ("failed", 3, 3, "RuntimeError: disk full")]
    monkeypatch.setattr(importer, "store_staged", real)
    again = import_file(db, path)
    assert (again.read, again.new, again.updated) == (8, 4, 1)
    assert stored(db) == stored(clean)


def test_an_import_is_recorded_as_running_then_finished(db, tmp_path, monkeypatch):
    path = write_jsonl(tmp_path / "m.jsonl", [{**GOOD, "id": str(i)} for i in range(5)] + ["{kapot"])
    seen = []
    real = importer.store_staged

    def watching(con, **kwargs):
        seen.append(con.execute("SELECT r.status, s.status, s.fetched, s.finished_at IS NULL FROM harvest_runs r"
                                " JOIN harvest_run_sources s USING (run_id)").fetchall())
        return real(con, **kwargs)

    monkeypatch.setattr(importer, "store_staged", watching)
    result = import_file(db, path, rows=2)
    # While it runs the record says so, with the counts of the chunks stored so far.
    assert seen == [[("running", "running", 0, True)], [("running", "running", 2, True)],
                    [("running", "running", 4, True)]]
    assert db.execute("SELECT r.status, r.finished_at IS NOT NULL, s.status, s.fetched, s.new, s.skipped, s.error"
                      " FROM harvest_runs r JOIN harvest_run_sources s USING (run_id)").fetchall() == [
        ("partial", True, "partial", 6, 5, 1, f"{path}:6: not valid JSON")]
    assert result.run_id == 1


def test_a_killed_import_keeps_what_it_stored_and_a_rerun_equals_a_clean_run(write_config, tmp_path):
    rows = [{**GOOD, "id": str(i), "likes": i % 50, "text": f"bericht {i} over de container"} for i in range(200_000)]
    rows[150_000] = {**GOOD, "id": "7", "likes": 12_345}  # seen again after the kill point: the last copy wins
    path = write_jsonl(tmp_path / "big.jsonl", rows)
    config = write_config('[storage]\ndatabase = "killed.duckdb"\n')
    database = tmp_path / "killed.duckdb"
    # The import prints a line after each stored chunk, so the kill lands part-way through the file.
    script = (
        "import sys; from luisterpost import importer; from luisterpost.store import open_db\n"
        "real = importer.store_staged\n"
        "def store(con, **kw):\n"
        "    counts = real(con, **kw); print('stored', flush=True); return counts\n"
        "importer.store_staged = store\n"
        "importer.import_file(open_db(sys.argv[1]), sys.argv[2], rows=20_000)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script, str(database), str(path)], stdout=subprocess.PIPE,
                               text=True)
    for _ in range(3):
        assert process.stdout.readline() == "stored\n"
    process.send_signal(signal.SIGKILL)
    process.wait()
    status = subprocess.run([sys.executable, "-m", "luisterpost", "--config", str(config), "status"],
                            capture_output=True, text=True)
    assert status.returncode == 0, status.stderr
    assert "(import)" in status.stdout and "running now, or stopped part-way (the next run of its kind tells)" in status.stdout
    partial = open_db(database)
    kept = partial.execute("SELECT count(*) FROM mentions").fetchall()[0][0]
    assert 40_000 <= kept < 200_000  # two chunks at least; the third was stored, perhaps not committed
    again = import_file(partial, path, rows=20_000)
    assert again.read == 200_000 and again.new == 199_999 - kept
    clean = open_db(tmp_path / "clean.duckdb")
    import_file(clean, path, rows=20_000)
    assert stored(partial) == stored(clean)
    assert partial.execute("SELECT likes FROM mentions WHERE id = '7'").fetchall() == [(12_345,)]
    assert partial.execute("SELECT status FROM harvest_runs ORDER BY run_id").fetchall() == [
        ("interrupted",), ("ok",)]


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


def test_cli_import_enriches_what_it_stored(write_config, tmp_path):
    config = write_config('[terms]\nwoonkernen = ["Heikamp"]\n[terms.portfolios]\nafval = ["container"]\n')
    path = write_jsonl(tmp_path / "m.jsonl", [GOOD, {**GOOD, "id": "2", "text": "Heikamp is prachtig, dank!"}])
    result = subprocess.run([sys.executable, "-m", "luisterpost", "--config", str(config), "import", str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "2 mentions enriched" in result.stdout
    con = open_db(tmp_path / "data" / "lindeveen.duckdb")
    assert con.execute("SELECT id, themes, woonkernen FROM enrichments ORDER BY id").fetchall() == [
        ("1", ["afval"], []), ("2", [], ["Heikamp"])]


def test_cli_import_user_errors_are_one_line_without_a_traceback(write_config, tmp_path):
    config = write_config()
    run = [sys.executable, "-m", "luisterpost", "--config", str(config), "import"]
    quote = tmp_path / "quote.csv"
    quote.write_text("platform,id,created_at,author_handle,text\nx,1,2026-03-02T08:00:00Z,jan,\"open\n",
                     encoding="utf-8")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"platform,id,created_at,author_handle,text\n\x81\x8d\x8f\n")
    cp1252 = tmp_path / "cp1252.jsonl"
    cp1252.write_bytes(json.dumps({**GOOD, "text": "€ café"}, ensure_ascii=False).encode("cp1252") + b"\n")
    errors = {
        quote: f"error: {quote}:2: a quoted field opens on this line and is never closed",
        binary: f"error: {binary}:2: byte 0x81 is not UTF-8, UTF-16 or Windows-1252 text",
    }
    for path, message in errors.items():
        result = subprocess.run(run + [str(path)], capture_output=True, text=True)
        assert result.returncode == 2 and result.stderr.startswith(message), result.stderr
        assert "Traceback" not in result.stderr
    unknown = subprocess.run(run + [str(cp1252), "--encoding", "klingon"], capture_output=True, text=True)
    assert unknown.returncode == 2 and "--encoding 'klingon': not an encoding" in unknown.stderr
    named = subprocess.run(run + [str(cp1252), "--encoding", "cp1252"], capture_output=True, text=True)
    assert named.returncode == 0, named.stderr
    assert "1 rows read (read as Windows-1252), 1 new" in named.stdout
