"""The one Mentions file reader: delimiters, encodings, quotes and time rules, the same through `import` and the
drop folders."""

from __future__ import annotations

import json

import pytest

from luisterpost import mentions_file
from luisterpost.config import Config
from luisterpost.errors import UserError
from luisterpost.harvest import harvest_source
from luisterpost.importer import import_file
from luisterpost.sources.base import SourceContext
from luisterpost.sources.dropfolder import DropFolderSettings, DropFolderSource
from luisterpost.store import open_db
from luisterpost.store.runs import get_watermarks

HEADER = ["platform", "id", "created_at", "author_handle", "text"]
GOOD = {"platform": "mastodon", "id": "1", "created_at": "2026-03-01T10:00:00+01:00", "author_handle": "anouk",
        "text": "De container is niet opgehaald"}


def row(id: str, text: str, *extra: str, created_at: str = "2026-03-01T10:00:00Z") -> list[str]:
    """One CSV record's fields, in HEADER's order (plus any extra fields)."""
    return ["mastodon", id, created_at, "jan", text, *extra]


def csv_lines(delimiter: str, *rows: list[str]) -> str:
    return "".join(delimiter.join(row) + "\n" for row in [HEADER, *rows])


def texts(db):
    return db.execute("SELECT id, text FROM mentions ORDER BY id").fetchall()


def stored(db):
    """Every stored column except when and by which source it was stored."""
    return db.execute(
        "SELECT * EXCLUDE (source, first_seen_at, updated_at) FROM mentions ORDER BY platform, id").fetchall()


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_delimiter_comma_semicolon_or_tab_is_recognised(db, tmp_path, delimiter):
    path = tmp_path / "m.csv"
    path.write_text(csv_lines(delimiter, row("1", '"een, twee; drie"'), row("2", "vier")), encoding="utf-8")
    result = import_file(db, path)
    assert (result.read, result.new, result.problems) == (2, 2, [])
    assert texts(db) == [("1", "een, twee; drie"), ("2", "vier")]


def test_a_header_without_the_columns_names_what_it_found(db, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("platform|id|created_at|author_handle|text\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"m.csv:1: missing required column\(s\): platform, id, created_at, "
                                        r"author_handle, text \(the header split on commas: platform\|id"):
        import_file(db, path)


def test_an_unclosed_quote_is_an_error_naming_the_line_where_it_opens(db, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(csv_lines(",", row("1", "eerste"), row("2", '"nooit gesloten'), row("3", "derde"),
                              row("4", "vierde")), encoding="utf-8")
    with pytest.raises(UserError, match=rf"^{path}:3: a quoted field opens on this line and is never closed"):
        import_file(db, path)
    # What came before the quote is stored; nothing after it was swallowed into a text.
    assert texts(db) == [("1", "eerste")]
    assert db.execute("SELECT status, error FROM harvest_run_sources").fetchall()[0][0] == "failed"


def test_a_quote_closed_lines_later_names_the_line_where_it_opens(db, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(csv_lines(",", row("1", '"te vroeg "gesloten'), row("2", '"open'), row("3", 'x",extra'),
                              row("4", "vierde")), encoding="utf-8")
    result = import_file(db, path)
    assert result.problems == [
        f"{path}:2: cannot read this CSV record (',' expected after '\"')",
        f"{path}:3: has 6 fields, the header has 5; a quoted field opens on line 3 and runs on to line 4",
    ]
    assert texts(db) == [("4", "vierde")]


def test_a_windows_1252_csv_is_detected_and_read_correctly(db, tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(csv_lines(";", row("1", "Café kost €5")).encode("cp1252"))
    result = import_file(db, path)
    assert (result.new, result.encoding, result.problems) == (1, "Windows-1252", [])
    assert texts(db) == [("1", "Café kost €5")]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_utf16_and_utf8_with_a_byte_order_mark(db, tmp_path, encoding):
    csv_path, jsonl_path = tmp_path / "m.csv", tmp_path / "m.jsonl"
    csv_path.write_text(csv_lines(",", row("1", "Café")), encoding=encoding)
    jsonl_path.write_text(json.dumps({**GOOD, "id": "2", "text": "Brûlée €"}, ensure_ascii=False) + "\n",
                          encoding=encoding)
    assert import_file(db, csv_path).problems == import_file(db, jsonl_path).problems == []
    assert texts(db) == [("1", "Café"), ("2", "Brûlée €")]


def test_bytes_that_fit_no_encoding_give_a_clear_message(db, tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(csv_lines(",", row("1", "ok")).encode()
                     + b"mastodon,2,2026-03-01T10:00:00Z,jan,\x81\x8d\n")
    with pytest.raises(UserError, match=rf"{path}:3: byte 0x81 is not UTF-8, UTF-16 or Windows-1252 text; "
                                        r"save the file as UTF-8, or name its encoding with --encoding"):
        import_file(db, path)


def test_a_flawed_line_in_a_utf8_csv_is_skipped_and_named(db, tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(csv_lines(",", row("1", "Café")).encode()
                     + b"mastodon,2,2026-03-01T10:00:00Z,jan,caf\xe9\n")
    result = import_file(db, path)
    assert result.problems == [f"{path}:3: not UTF-8 text"]
    assert texts(db) == [("1", "Café")]


def test_encoding_can_be_named(db, tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_bytes(json.dumps({**GOOD, "text": "café"}, ensure_ascii=False).encode("cp1252") + b"\n")
    assert import_file(db, path).problems == [f"{path}:1: not UTF-8 text"]  # JSONL is UTF-8 unless told otherwise
    assert import_file(db, path, encoding="cp1252").problems == []
    assert texts(db) == [("1", "café")]
    with pytest.raises(UserError, match="--encoding 'klingon': not an encoding Python knows"):
        import_file(db, path, encoding="klingon")


@pytest.mark.parametrize(("created_at", "reason"), [
    ("2026-10-08", "is a date without a time (write e.g. 2026-10-08T14:03:00+02:00)"),
    ("2026-10-08T14:03:00", "has no time zone (add Z or +01:00)"),
    ("2026-10-08T14:03:00+25:00", "has an offset beyond ±14:00"),
    ("2026-10-08T14:03:00-14:30", "has an offset beyond ±14:00"),
    ("9999-10-08T14:03:00Z", "is outside the years 2000–2100"),
    ("0001-10-08T14:03:00Z", "is outside the years 2000–2100"),
    ("1899-10-08T14:03:00+01:00", "is outside the years 2000–2100"),
    ("2101-01-01T00:00:00Z", "is outside the years 2000–2100"),
])
def test_created_at_must_be_a_date_time_with_a_zone_in_range(db, tmp_path, created_at, reason):
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "id": "2", "created_at": created_at}) + "\n",
                    encoding="utf-8")
    result = import_file(db, path)
    assert result.problems == [f'{path}:2: created_at "{created_at}" {reason}']
    assert result.new == 1


def test_times_at_the_edges_are_accepted(db, tmp_path):
    path = tmp_path / "m.jsonl"
    edges = ["2000-01-01T00:00:00Z", "2100-12-31T23:59:59Z", "2026-10-08T14:03:00+14:00", "2026-10-08 14:03:00-12"]
    path.write_text("".join(json.dumps({**GOOD, "id": str(i), "created_at": c}) + "\n" for i, c in enumerate(edges)),
                    encoding="utf-8")
    assert import_file(db, path).problems == []
    assert db.execute("SELECT min(created_at)::VARCHAR, max(created_at)::VARCHAR FROM mentions").fetchall() == [
        ("2000-01-01 00:00:00+00", "2100-12-31 23:59:59+00")]


def drop_folder(tmp_path, kind):
    folder = tmp_path / kind
    folder.mkdir(exist_ok=True)
    config = Config.model_validate({"municipality": {"name": "Lindeveen"}, "base_dir": tmp_path})
    return folder, DropFolderSource(DropFolderSettings(kind=kind, name="drop", path=kind), SourceContext(config=config))


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_the_drop_folder_and_import_store_the_same_rows_and_problems(tmp_path, kind):
    folder, source = drop_folder(tmp_path, kind)
    path = folder / f"export.{kind}"
    if kind == "csv":
        path.write_bytes(csv_lines(";", row("1", '"Regel één\nregel twee"'), row("2", "extra", "veld"),
                                   row("3", "alleen een datum", created_at="2026-03-01"),
                                   row("1", "tweede kopie")).encode("cp1252"))
    else:
        path.write_text("\n".join([json.dumps(GOOD), "{kapot", json.dumps({**GOOD, "id": "2", "likes": 2.5}),
                                   "", json.dumps({**GOOD, "id": "3", "extra": {"a": 1}, "likes": "7"})]),
                        encoding="utf-8")
    dropped, imported = open_db(":memory:"), open_db(":memory:")
    outcome = harvest_source(dropped, source)
    result = import_file(imported, path)
    assert stored(dropped) == stored(imported) and stored(dropped)
    assert outcome.error.splitlines() == [p.removeprefix(str(folder) + "/") for p in result.problems]
    assert (outcome.fetched, outcome.new, outcome.skipped) == (result.read, result.new, len(result.problems))
    # The file is the raw payload: no raw_items rows for it.
    assert dropped.execute("SELECT count(*) FROM raw_items").fetchall() == [(0,)]


def test_a_drop_folder_file_half_stored_is_completed_by_the_next_harvest(tmp_path, monkeypatch):
    from luisterpost import harvest as harvest_module

    folder, source = drop_folder(tmp_path, "jsonl")
    rows = [{**GOOD, "id": str(i), "likes": i} for i in range(1, 8)] + [{**GOOD, "id": "2", "likes": 99}]
    (folder / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    clean = open_db(":memory:")
    harvest_source(clean, source)
    monkeypatch.setattr(mentions_file, "CHUNK_ROWS", 3)
    real, calls = harvest_module.store_staged, []

    def failing(con, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(con, **kwargs)

    db = open_db(":memory:")
    monkeypatch.setattr(harvest_module, "store_staged", failing)
    first = harvest_source(db, source)
    assert first.status == "failed" and "disk full" in first.error
    assert [r[1] for r in stored(db)] == ["1", "2", "3"]  # the first chunk, in its own transaction
    assert get_watermarks(db, "drop") == {}  # the file is not done until every chunk is stored
    monkeypatch.setattr(harvest_module, "store_staged", real)
    second = harvest_source(db, source)
    assert (second.status, second.fetched, second.new) == ("ok", 8, 4)
    assert stored(db) == stored(clean)
    assert get_watermarks(db, "drop") == get_watermarks(clean, "drop") != {}
    assert harvest_source(db, source).fetched == 0


def test_a_drop_folder_file_that_cannot_be_read_on_reports_it_and_keeps_what_came_before(db, tmp_path):
    folder, source = drop_folder(tmp_path, "csv")
    (folder / "m.csv").write_text(csv_lines(",", row("1", "eerste"), row("2", '"open')),
                                  encoding="utf-8")
    outcome = harvest_source(db, source)
    assert outcome.new == 1 and outcome.error.startswith("m.csv:3: a quoted field opens on this line")
    assert harvest_source(db, source).fetched == 0  # marked done: only a changed file is worth reading again


def test_fields_lose_surrounding_spaces_and_empty_ones_count_as_missing(db, tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps({**GOOD, "platform": " Mastodon ", "id": " 7", "likes": "12 ", "url": " ",
                                "text": "  De tekst houdt zijn spaties  "}) + "\n", encoding="utf-8")
    assert import_file(db, path).problems == []
    assert db.execute("SELECT platform, id, likes, url, text FROM mentions").fetchall() == [
        ("mastodon", "7", 12, None, "  De tekst houdt zijn spaties  ")]


def test_line_numbers_stay_right_across_read_blocks_and_chunks(db, tmp_path, monkeypatch):
    from luisterpost.mentions_file import jsonl

    monkeypatch.setattr(jsonl, "READ_BYTES", 7)  # blocks end mid-line, mid-character and between \r and \n
    lines = [json.dumps({**GOOD, "id": str(i), "text": "één"}, ensure_ascii=False) for i in range(1, 9)]
    lines[2], lines[5] = "   ", "{kapot"
    path = tmp_path / "m.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode())  # a BOM, CRLF, no newline at the end
    whole = import_file(db, path)
    chunked = import_file(open_db(":memory:"), path, rows=2)
    assert whole.problems == chunked.problems == [f"{path}:6: not valid JSON"]
    assert (whole.read, whole.new) == (chunked.read, chunked.new) == (7, 6)
    assert texts(db) == [(str(i), "één") for i in (1, 2, 4, 5, 7, 8)]
