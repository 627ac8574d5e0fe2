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


# --- replies in an export count as responses ---------------------------------------------------------------------

def harvest_and_measure(db, write_config, accounts: str, table: str) -> dict:
    """Harvest the config's one export source, enrich, and return the webcare figures for October 2026."""
    from luisterpost.config import load_config
    from luisterpost.enrich.run import enrich_pending, matcher_for
    from luisterpost.harvest import harvest_source
    from luisterpost.metrics.compute import compute
    from luisterpost.metrics.period import Period
    from luisterpost.sources import build_source

    config = load_config(write_config(f"[accounts]\n{accounts}\n[[sources]]\nkind = \"export\"\nname = \"src\"\n"
                                      f"path = \"exports\"\n{table}\n"))
    outcome = harvest_source(db, build_source(config, config.sources[0]))
    assert outcome.status == "ok", outcome.error
    enrich_pending(db, matcher_for(config))
    return compute(db, config, Period.month(2026, 10, config.municipality.tz))["response"]


def answered(response: dict) -> tuple:
    return (response["cases"], response["answered"], response["first_response_minutes"]["median"])


def test_the_municipalitys_reply_in_a_coosto_export_answers_the_resident(db, tmp_path, write_config):
    drop(tmp_path, "coosto.csv",
         "id;date;author;message;url;source;in reply to;conversation id\n"
         "c1;08-10-2026 14:03;@anouk;@GemeenteLindeveen de lantaarn in de Kerkstraat is kapot;"
         "https://x.com/anouk/status/1;X;;\n"
         "c2;08-10-2026 14:38;@GemeenteLindeveen;@anouk Dank voor uw melding, we sturen iemand.;"
         "https://x.com/GemeenteLindeveen/status/2;X;c1;\n")
    response = harvest_and_measure(db, write_config, 'twitter = ["GemeenteLindeveen"]', 'format = "coosto"')
    assert answered(response) == (1, 1, 35.0)
    assert db.execute("SELECT id, in_reply_to_id FROM mentions ORDER BY id").fetchall() == [("c1", None), ("c2", "c1")]


def test_the_municipalitys_reply_in_a_spotler_conversation_answers_the_resident(db, tmp_path, write_config):
    # Only the conversation ties them together: the resident names no own account, the reply names no message.
    drop(tmp_path, "engage.csv",
         "Bericht ID;Datum;Afzender;Bericht;Kanaal;Gesprek ID\n"
         "s-1;09-10-2026 09:30;ria.devries;Wanneer wordt het grofvuil opgehaald?;Facebook;g-7\n"
         "s-2;09-10-2026 10:05;Gemeentelindeveen;@ria.devries Donderdag tussen 7 en 16 uur.;Facebook;g-7\n")
    response = harvest_and_measure(db, write_config, 'facebook = ["@gemeentelindeveen"]', 'format = "spotler"')
    assert answered(response) == (1, 1, 35.0)
    assert db.execute("SELECT id, conversation_id FROM mentions ORDER BY id").fetchall() == [("s-1", "g-7"), ("s-2", "g-7")]


@pytest.mark.parametrize(("accounts", "platform"), [
    ('x = ["@GemeenteLindeveen"]', 'platform = "twitter"'),
    ('twitter = ["@GemeenteLindeveen"]', 'platform = "X"'),
    ('X = ["@GemeenteLindeveen"]', 'platform = "X (Twitter)"'),
], ids=["accounts-x", "export-X", "both"])
def test_platform_names_are_the_same_for_accounts_and_exports(db, tmp_path, write_config, accounts, platform):
    drop(tmp_path, "engage.csv",
         "Bericht ID;Datum;Afzender;Bericht;Reactie op\n"
         "s-1;09-10-2026 09:30;@anouk;@GemeenteLindeveen de stoep is kapot;\n"
         "s-2;09-10-2026 10:05;@GemeenteLindeveen;@anouk We komen kijken.;s-1\n")
    response = harvest_and_measure(db, write_config, accounts, f'format = "spotler"\n{platform}')
    assert answered(response) == (1, 1, 35.0)
    assert db.execute("SELECT DISTINCT platform FROM mentions").fetchall() == [("twitter",)]
