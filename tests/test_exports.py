"""Exports from listening and webcare tools: when a file is read again, reply and conversation columns, and the
municipality's own replies in an export counting as responses."""

from __future__ import annotations

import pytest

from luisterpost.store.runs import get_watermarks
from tests.test_sources_more import export_config, run_export

HEADER = "Bericht ID;Datum;Van;Bericht;Kanaal\n"
ROWS = ("s-1;09-10-2026 09:30;ria.devries;Wanneer wordt het afval opgehaald?;Facebook\n"
        "s-2;09-10-2026 10:05;gemeentelindeveen;Morgen, Ria!;Facebook\n")


def drop(tmp_path, name: str, text: str) -> None:
    folder = tmp_path / "exports"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_a_file_rejected_for_its_mapping_is_read_again_once_the_mapping_is_fixed(db, tmp_path):
    drop(tmp_path, "engage.csv", HEADER + ROWS)
    wrong = export_config(tmp_path, format="spotler")
    first = run_export(db, wrong)
    assert (first.status, first.new) == ("partial", 0)
    assert "engage.csv:1: missing column(s) author_handle (column 'afzender')" in first.error
    # Rejected as a whole: not marked as read, so it is reported again until it is fixed.
    assert get_watermarks(db, "src") == {}
    again = run_export(db, wrong)
    assert again.status == "partial" and "engage.csv:1: missing column(s)" in again.error
    fixed = run_export(db, export_config(tmp_path, format="spotler", columns={"author_handle": "Van"}))
    assert (fixed.status, fixed.new) == ("ok", 2), fixed.error
    assert db.execute("SELECT id, author_handle FROM mentions ORDER BY id").fetchall() == [
        ("s-1", "ria.devries"), ("s-2", "gemeentelindeveen")]
    assert run_export(db, export_config(tmp_path, format="spotler", columns={"author_handle": "Van"})).fetched == 0


@pytest.mark.parametrize("change", [
    {"columns": {"author_handle": "Van", "likes": "Likes"}},
    {"timezone": "UTC"},
    {"date_format": "%d-%m-%Y %H:%M"},
    {"platform": "instagram"},
], ids=["columns", "timezone", "date_format", "platform"])
def test_a_file_is_read_again_when_the_mapping_changes(db, tmp_path, change):
    drop(tmp_path, "engage.csv", HEADER + ROWS)
    table = {"format": "spotler", "columns": {"author_handle": "Van"}}
    assert run_export(db, export_config(tmp_path, **table)).new == 2
    assert run_export(db, export_config(tmp_path, **table)).fetched == 0
    changed = run_export(db, export_config(tmp_path, **{**table, **change}))
    assert changed.fetched == 2 and changed.status == "ok", changed.error
    assert run_export(db, export_config(tmp_path, **{**table, **change})).fetched == 0


def test_an_unreadable_or_empty_file_is_not_marked_as_read(db, tmp_path):
    drop(tmp_path, "leeg.csv", "")
    drop(tmp_path, "kapot.xlsx", "geen spreadsheet")
    outcome = run_export(db, export_config(tmp_path, format="coosto"))
    assert "leeg.csv: the file is empty" in outcome.error and "kapot.xlsx: cannot be read" in outcome.error
    assert get_watermarks(db, "src") == {}
    drop(tmp_path, "leeg.csv", "id;date;author;message\nc1;08-10-2026 14:03;@anouk;De brug is open\n")
    assert run_export(db, export_config(tmp_path, format="coosto")).new == 1
    assert set(get_watermarks(db, "src")) == {"leeg.csv"}
