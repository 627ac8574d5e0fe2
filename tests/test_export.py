"""The analyst export: given mentions in a real DuckDB → the expected rows, in every format; nothing in any file
identifies a resident; the rows are the ones the figures count; `correct` accepts the references."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import polars as pl
import pytest

from luisterpost.config import load_config
from luisterpost.export import COLUMNS, export_rows, write_export
from luisterpost.importer import import_file
from luisterpost.metrics.compute import Filters, compute
from luisterpost.metrics.period import Period
from luisterpost.metrics.privacy import Pseudonymiser
from luisterpost.refs import post_ref, thread_ref
from luisterpost.store import open_db

from .conftest import store_enrichment
from .test_cli import luisterpost

AMS = ZoneInfo("Europe/Amsterdam")
KEY = "export-test-key, long enough for a key"
CONFIG = """
[storage]
database = "db.duckdb"

[accounts]
mastodon = ["gemeentex@social.overheid.nl"]
facebook = ["gemeentex"]

[terms]
woonkernen = ["Heikamp", "Oosterbroek"]

[terms.portfolios]
verkeer = ["drempel"]
afval = ["container"]
"""
# What identifies the residents below: none of it may appear in an export.
RESIDENT_TRACES = ["anouk", "bert", "piet", "voorbeeld.nl", "social.example", "12345678", "06-1234", "https://"]


def at(day: str, hhmm: str) -> str:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=AMS).isoformat()


MENTIONS = [
    {"platform": "mastodon", "id": "m0", "created_at": at("2026-09-30", "12:00"), "author_handle": "anouk",
     "text": "Vorige maand"},  # before the period
    {"platform": "mastodon", "id": "m1", "created_at": at("2026-10-05", "09:00"), "author_handle": "anouk",
     "author_followers": 10, "likes": 3,
     "text": "@gemeentex de drempel in Heikamp is kapot, mail anouk@voorbeeld.nl of bel 06-12345678 "
             "https://social.example/@anouk"},
    {"platform": "mastodon", "id": "m2", "created_at": at("2026-10-05", "10:30"), "author_handle": "GemeenteX",
     "in_reply_to_id": "m1", "text": "@anouk we kijken ernaar"},
    {"platform": "facebook", "id": "f1", "created_at": at("2026-10-06", "20:00"), "author_handle": "krant",
     "author_followers": 50_000, "text": "Nieuwe container in Oosterbroek"},
    {"platform": "mastodon", "id": "m3", "created_at": at("2026-10-07", "12:00"), "author_handle": "bert",
     "text": "@GemeenteX waarom geen container? @anouk weet het ook"},
    {"platform": "forum", "id": "p1", "created_at": at("2026-10-08", "08:00"), "author_handle": "piet",
     "text": "=1+1 is toch logisch, drempel weg"},
]
ENRICHED = [  # platform, id, label, themes, woonkernen, question
    ("mastodon", "m0", "neutraal", [], [], False),
    ("mastodon", "m1", "negatief", ["verkeer"], ["Heikamp"], True),
    ("mastodon", "m2", "neutraal", [], [], False),
    ("facebook", "f1", "neutraal", ["afval"], ["Oosterbroek"], False),
    ("mastodon", "m3", "negatief", ["afval"], [], True),
    ("forum", "p1", "neutraal", ["verkeer"], [], False),
]


@pytest.fixture
def store(write_config, tmp_path, monkeypatch):
    """The config and its database with the mentions above, enriched as given; f1's sentiment corrected."""
    monkeypatch.setenv("LUISTERPOST_PSEUDONYM_KEY", KEY)
    path = write_config(CONFIG)
    config = load_config(path)
    con = open_db(config.database_path)
    rows = tmp_path / "rows.jsonl"
    rows.write_text("\n".join(json.dumps(r) for r in MENTIONS), encoding="utf-8")
    assert import_file(con, rows).problems == []
    for platform, id, label, themes, places, question in ENRICHED:
        store_enrichment(con, platform, id, label, themes, places, question=question)
    con.execute("INSERT INTO corrections (platform, id, sentiment_label, corrected_at) VALUES"
                " ('facebook', 'f1', 'positief', now())")
    yield path, config, con
    con.close()


def october(config):
    return Period.month(2026, 10, config.municipality.tz)


def pseudonym(platform: str, handle: str) -> str:
    return Pseudonymiser(KEY.encode()).pseudonym(platform, handle)


def local(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=AMS)


def expected_rows() -> list[dict]:
    anouk, bert, piet = pseudonym("mastodon", "anouk"), pseudonym("mastodon", "bert"), pseudonym("forum", "piet")
    common = {"sentiment_score": 0.0, "corrected": False, "language": "nl", "reposts": None, "replies": None,
              "quotes": None, "views": None, "opens_case": False, "answered": None, "first_response_minutes": None,
              "first_response_business_minutes": None, "within_norm": None, "likes": None, "sentiment_source": "test"}
    return [
        {**common, "ref": post_ref("mastodon", "m1"), "platform": "Mastodon", "id": "m1",
         "local_time": local("2026-10-05", "09:00"), "author": anouk, "author_kind": "inwoner",
         "text": "@gemeentex de drempel in Heikamp is kapot, mail [e-mail] of bel [telefoon] [link]",
         "sentiment": "negatief", "themes": ["verkeer"], "woonkernen": ["Heikamp"], "needs_reply": True, "likes": 3,
         "thread": thread_ref("mastodon", "m1"),
         # Answered 90 minutes later, all of them within office hours (a Monday morning).
         "opens_case": True, "answered": True, "first_response_minutes": 90.0,
         "first_response_business_minutes": 90.0, "within_norm": True},
        {**common, "ref": post_ref("mastodon", "m2"), "platform": "Mastodon", "id": "m2",
         "local_time": local("2026-10-05", "10:30"), "author": "gemeentex", "author_kind": "eigen",
         "text": f"@{anouk} we kijken ernaar", "sentiment": "neutraal", "themes": [], "woonkernen": [],
         "needs_reply": False, "thread": thread_ref("mastodon", "m1")},
        {**common, "ref": post_ref("facebook", "f1"), "platform": "Facebook", "id": "f1",
         "local_time": local("2026-10-06", "20:00"), "author": "krant", "author_kind": "publiek",
         "text": "Nieuwe container in Oosterbroek", "sentiment": "positief", "sentiment_source": "correctie",
         "corrected": True, "themes": ["afval"], "woonkernen": ["Oosterbroek"], "needs_reply": False,
         "thread": thread_ref("facebook", "f1")},
        {**common, "ref": post_ref("mastodon", "m3"), "platform": "Mastodon", "id": "m3",
         "local_time": local("2026-10-07", "12:00"), "author": bert, "author_kind": "inwoner",
         "text": f"@GemeenteX waarom geen container? @{anouk} weet het ook", "sentiment": "negatief",
         "themes": ["afval"], "woonkernen": [], "needs_reply": True, "thread": thread_ref("mastodon", "m3"),
         "opens_case": True, "answered": False, "within_norm": False},
        {**common, "ref": post_ref("forum", "p1"), "platform": "Forum", "id": "p1",
         "local_time": local("2026-10-08", "08:00"), "author": piet, "author_kind": "inwoner",
         "text": "=1+1 is toch logisch, drempel weg", "sentiment": "neutraal", "themes": ["verkeer"], "woonkernen": [],
         "needs_reply": False, "thread": thread_ref("forum", "p1")},
    ]


def test_the_rows_of_a_period_are_the_given_mentions_as_counted(store):
    _, config, con = store
    rows = export_rows(con, config, october(config))
    assert rows.columns == list(COLUMNS)
    assert rows.to_dicts() == expected_rows()
    # The rows behind the figures: the same mentions and webcare cases `luisterpost metrics` counts.
    figures = compute(con, config, october(config))
    assert rows.height == figures["mentions"]
    assert rows["opens_case"].sum() == figures["response"]["cases"] == 2
    assert rows["answered"].sum() == figures["response"]["answered"] == 1
    assert rows["first_response_business_minutes"].median() == figures["response"]["first_response_business_minutes"]["median"]


def test_filters_pick_the_rows(store):
    _, config, con = store
    verkeer = export_rows(con, config, october(config), Filters(theme="verkeer"))
    assert verkeer["id"].to_list() == ["m1", "p1"]
    mastodon_heikamp = export_rows(con, config, october(config), Filters(platform="mastodon", woonkern="Heikamp"))
    assert mastodon_heikamp["id"].to_list() == ["m1"]
    assert export_rows(con, config, Period.month(2026, 11, config.municipality.tz)).height == 0


def _no_resident_traces(data: bytes, what: str) -> None:
    lowered = data.lower()
    for trace in RESIDENT_TRACES:
        assert trace.encode() not in lowered, f"{what} holds {trace!r}"


def test_every_format_holds_the_rows_and_nothing_that_identifies_a_resident(store, tmp_path):
    _, config, con = store
    rows = export_rows(con, config, october(config))
    expected = expected_rows()
    files = {fmt: write_export(rows, tmp_path / f"rows.{fmt}", fmt) for fmt in ("csv", "xlsx", "jsonl", "parquet")}
    for fmt, path in files.items():
        data = path.read_bytes()
        if fmt == "xlsx":  # a zip: look inside every part of it
            with zipfile.ZipFile(io.BytesIO(data)) as book:
                data = b"".join(book.read(name) for name in book.namelist())
        _no_resident_traces(data, path.name)
    assert not list(tmp_path.glob(".*.part"))  # written beside, then moved into place

    csv = files["csv"].read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads the accents right
    lines = csv[3:].decode("utf-8").splitlines()
    assert lines[0].split(";") == list(COLUMNS)
    first = dict(zip(COLUMNS, lines[1].split(";")))
    assert (first["local_time"], first["first_response_minutes"], first["answered"], first["themes"]) == (
        "2026-10-05 09:00:00", "90,000", "ja", "verkeer")
    # A text that starts like a formula stays text in a spreadsheet.
    assert f"{expected[4]['ref']};Forum;p1;" in lines[5] and ";'=1+1 is toch logisch, drempel weg;" in lines[5]
    read_back = pl.read_csv(files["csv"], separator=";", decimal_comma=True, infer_schema=False)
    assert read_back["ref"].to_list() == [r["ref"] for r in expected]

    sheet = openpyxl.load_workbook(files["xlsx"]).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == list(COLUMNS) and len(values) == 6
    first = dict(zip(COLUMNS, values[1]))
    assert (first["local_time"], first["answered"], first["first_response_minutes"], first["woonkernen"]) == (
        datetime(2026, 10, 5, 9, 0), True, 90.0, "Heikamp")
    formula_like = sheet.cell(row=6, column=list(COLUMNS).index("text") + 1)
    assert formula_like.value == "=1+1 is toch logisch, drempel weg" and formula_like.data_type == "s"

    lines = files["jsonl"].read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    assert first["local_time"] == "2026-10-05T09:00:00+02:00" and first["themes"] == ["verkeer"]
    assert [json.loads(line)["id"] for line in lines] == [r["id"] for r in expected]

    assert pl.read_parquet(files["parquet"]).to_dicts() == expected


def test_export_command_names_its_file_by_every_filter_and_correct_takes_the_reference(store, tmp_path):
    path, config, con = store
    con.close()
    out = tmp_path / "out"
    done = luisterpost("--config", str(path), "export", "--from", "2026-10-01", "--to", "2026-10-31",
                       "--platform", "Mastodon", "--theme", "AFVAL", "--format", "csv", "--out", str(out))
    assert done.returncode == 0, done.stderr
    written = out / "luisterpost-lindeveen-export-platform-mastodon-theme-afval-2026-10.csv"
    assert done.stdout.strip() == f"{written}: 1 mention"
    assert pl.read_csv(written, separator=";")["id"].to_list() == ["m3"]
    ref = post_ref("mastodon", "m3")
    corrected = luisterpost("--config", str(path), "correct", ref, "--sentiment", "positief", "--note", "ironie")
    assert corrected.returncode == 0 and "mastodon/m3: corrected" in corrected.stdout, corrected.stderr
    again = luisterpost("--config", str(path), "export", "--month", "2026-10", "--out", str(out / "alles.jsonl"))
    assert again.returncode == 0, again.stderr
    row = next(json.loads(line) for line in (out / "alles.jsonl").read_text().splitlines()
               if json.loads(line)["ref"] == ref)
    assert (row["sentiment"], row["sentiment_source"], row["corrected"]) == ("positief", "correctie", True)
    unknown = luisterpost("--config", str(path), "correct", "p-00000000", "--sentiment", "negatief")
    assert unknown.returncode == 2 and "p-00000000: no stored mention has this reference" in unknown.stderr
    clash = luisterpost("--config", str(path), "export", "--format", "csv", "--out", str(out / "x.xlsx"))
    assert clash.returncode == 2 and "a .xlsx file, but --format csv" in clash.stderr
    report = luisterpost("--config", str(path), "export", "--out", str(out / "rapport.html"))
    assert report.returncode == 2 and "name a .xlsx, .csv, .jsonl or .parquet file, or a folder" in report.stderr
    bad = luisterpost("--config", str(path), "export", "--format", "docx")
    assert bad.returncode == 2 and "--format 'docx': not an export format (known: xlsx, csv, jsonl, parquet)" in bad.stderr
    assert "Traceback" not in "".join(r.stderr for r in (unknown, clash, report, bad))


def test_a_reference_matches_its_post_in_python_and_in_the_database(db):
    from luisterpost.cli import _mention_of_ref
    from luisterpost.errors import UserError

    assert post_ref("mastodon", "m1") == "p-" + hashlib.sha256(b"mastodon:m1").hexdigest()[:8]
    # Two ids whose references collide (found by trying): the look-up says so instead of picking one.
    seen: dict[str, str] = {}
    for n in range(1_000_000):
        ref = post_ref("forum", f"c{n}")
        if ref in seen:
            pair = (seen[ref], f"c{n}")
            break
        seen[ref] = f"c{n}"
    for id in (*pair, "solo"):
        db.execute("INSERT INTO mentions (platform, id, created_at, author_handle, text, source, first_seen_at,"
                   " updated_at) VALUES ('forum', ?, now(), 'a', 't', 't', now(), now())", [id])
    assert _mention_of_ref(db, post_ref("forum", "solo").upper()) == ("forum", "solo")
    with pytest.raises(UserError, match=f"{ref}: 2 mentions share this reference .*give the platform and id"):
        _mention_of_ref(db, ref)


def test_reports_show_each_posts_reference_as_the_export_holds_it(store):
    from luisterpost.report.data import gather
    from luisterpost.report.render import render_html, report_values

    _, config, con = store
    data = gather(con, config, october(config))
    values, figs = report_values(data, config, "monthly", "nl", datetime(2026, 11, 2, 9, tzinfo=AMS))
    html = render_html(values, figs, "monthly", plotly_js="")
    shown = [post["ref"] for post in values["top_posts"] + values["notable"]]
    exported = export_rows(con, config, october(config))
    assert len(shown) >= 5 and set(shown) <= set(exported["ref"])
    for ref in shown:
        assert f'<td class="ref">{ref}</td>' in html


def test_a_spreadsheet_gets_what_it_can_hold(tmp_path, monkeypatch):
    from luisterpost.errors import UserError
    from luisterpost.export import write

    frame = pl.DataFrame({"text": ["bel\x07 nu", "x" * 40_000, "-5 graden"]})
    sheet = openpyxl.load_workbook(write_export(frame, tmp_path / "t.xlsx", "xlsx")).active
    # Control characters are not allowed in the format; a cell holds 32,767 characters at most.
    assert [len(c.value) for (c,) in sheet.iter_rows(min_row=2)] == [6, 32_767, 9]
    assert sheet["A2"].value == "bel nu"
    assert write_export(frame, tmp_path / "t.csv", "csv").read_bytes().decode("utf-8-sig").splitlines()[3] == "'-5 graden"
    monkeypatch.setattr(write, "EXCEL_ROW_LIMIT", 3)
    with pytest.raises(UserError, match=r"^t2\.xlsx: 3 rows do not fit on one Excel sheet \(2 at most\): use csv"):
        write_export(frame, tmp_path / "t2.xlsx", "xlsx")
    assert not (tmp_path / "t2.xlsx").exists() and not list(tmp_path.glob(".*.part"))


@pytest.mark.parametrize(("text", "masked"), [
    ("mail jan.jansen@voorbeeld.nl of bel 06-12345678", "mail [e-mail] of bel [telefoon]"),
    ("zie https://social.example/@jan en www.lindeveen.nl/afval", "zie [link] en [link]"),
    ("+31 6 1234 5678, 020 123 4567, 0031 (0)20 1234567, +44 20 7946 0958",
     "[telefoon], [telefoon], [telefoon], [telefoon]"),
    # Dates, times, amounts, postcodes and counts stay.
    ("op 2026-10-05 om 12:00 kost 1.250 euro, postcode 1234 AB, 100000 mensen",
     "op 2026-10-05 om 12:00 kost 1.250 euro, postcode 1234 AB, 100000 mensen"),
])
def test_contact_details_in_texts_are_masked(text, masked):
    from luisterpost.masking import mask_contacts

    assert pl.select(mask_contacts(pl.lit(text))).item() == masked
