"""Enrichment as a whole: language, needs-a-reply, re-enrichment when it changes, analysts' corrections,
and the sentiment commands."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import polars as pl
import pytest

from luisterpost.config import load_config
from luisterpost.enrich.language import detect
from luisterpost.enrich.replies import reply_flags
from luisterpost.enrich.run import enrich_frame, enrich_pending
from luisterpost.enrich.terms import build_matcher
from luisterpost.metrics.load import load_mentions
from luisterpost.store.corrections import correction, import_csv, remove, store

from luisterpost.paths import resource_dir

from .conftest import SHARED

PARKS = build_matcher({"groen": ["park"], "afval": ["container"]}, ["Oosterbroek"])


@pytest.fixture
def lindeveen():
    """The demo municipality's config: its portfolios and woonkernen check the corrections."""
    return load_config(resource_dir("examples") / "lindeveen.toml")


def add_mentions(db, *rows):
    for platform, id, text, lang in rows:
        db.execute("INSERT INTO mentions (platform, id, created_at, author_handle, text, lang, source, first_seen_at,"
                   " updated_at) VALUES (?, ?, ?, 'a', ?, ?, 't', now(), now())",
                   [platform, id, datetime(2026, 10, 5, 12, tzinfo=UTC), text, lang])


def test_language_from_the_platform_tag_else_detected():
    texts = pl.Series(["Het gat in de weg is er nog steeds, wanneer wordt het gemaakt?",
                       "The bins in the park have not been emptied for weeks",
                       "😀 https://example.org @iemand", None, "Bonjour tout le monde, ça va?"])
    tags = pl.Series([None, None, None, None, "fr-FR"], dtype=pl.String)
    assert detect(texts, tags).to_list() == ["nl", "en", "und", "und", "fr"]


@pytest.mark.parametrize(
    ("text", "label", "question", "complaint"),
    [
        ("Wanneer wordt de container geleegd", "neutraal", True, False),
        ("Hoe vraag ik een parkeervergunning aan?", "neutraal", True, False),
        ("De lantaarn is al weken kapot, schandalig", "negatief", False, True),
        ("Wat een verdrietig nieuws", "negatief", False, False),  # negative, but nothing to fix
        ("Mooi park!", "positief", False, False),
        ("Graag een reactie op mijn melding", "neutraal", True, False),
    ],
)
def test_questions_and_complaints(text, label, question, complaint):
    flags = reply_flags(pl.Series([text]), pl.Series([label]))
    assert flags.row(0) == (question, complaint)


def test_enrich_frame_gives_every_column_for_a_batch():
    frame = enrich_frame(pl.Series(["De container in Oosterbroek is weer kapot!", "", None]), None, PARKS)
    assert frame.columns == ["sentiment_label", "sentiment_score", "sentiment_evidence", "themes", "woonkernen",
                             "language", "is_question", "is_complaint"]
    first = frame.row(0, named=True)
    assert (first["sentiment_label"], first["themes"], first["woonkernen"], first["language"], first["is_complaint"]) == (
        "negatief", ["afval"], ["Oosterbroek"], "nl", True)
    assert frame.row(1)[:3] == ("neutraal", 0.0, None) and frame.row(2)[5] == "und"


def test_enrichment_is_redone_when_the_enrichment_itself_changes(db):
    add_mentions(db, ("x", "1", "Wat een mooi park", None))
    assert enrich_pending(db, PARKS) == 1
    assert enrich_pending(db, PARKS) == 0
    # Stored by an older version of the code or vocabulary: another fingerprint.
    db.execute("UPDATE enrichments SET fingerprint = 'older', sentiment_label = 'neutraal'")
    assert enrich_pending(db, PARKS) == 1
    assert db.execute("SELECT sentiment_label, count(*) OVER () FROM enrichments").fetchall() == [("positief", 1)]


def test_enrichment_keeps_its_mentions_time(db):
    # Periods are read through the enrichments' own times (sql/marts/mentions_enriched.sql): a mention whose
    # time was corrected (renormalise) is enriched again, else its period would read it unenriched.
    add_mentions(db, ("x", "1", "Wat een mooi park", None))
    enrich_pending(db, PARKS)
    assert db.execute("SELECT e.created_at = m.created_at FROM enrichments e JOIN mentions m USING (platform, id)"
                      ).fetchall() == [(True,)]
    db.execute("UPDATE mentions SET created_at = created_at - INTERVAL 40 DAY")
    assert enrich_pending(db, PARKS) == 1
    assert db.execute("SELECT e.created_at = m.created_at, count(*) OVER () FROM enrichments e JOIN mentions m"
                      " USING (platform, id)").fetchall() == [(True, 1)]


def test_corrections_survive_re_enrichment_and_are_what_metrics_read(db, lindeveen):
    add_mentions(db, ("mastodon", "1", "Wat een mooi park", None), ("mastodon", "2", "De container is vol", None))
    enrich_pending(db, PARKS)
    themes = next(iter(lindeveen.terms.portfolios))
    assert store(db, [correction(lindeveen, "mastodon", "1", "negative", themes=themes, note="ironisch", by="analist")]) == []
    db.execute("UPDATE enrichments SET fingerprint = 'older'")
    assert enrich_pending(db, PARKS) == 2  # everything redone …
    loaded = load_mentions(db, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    by_id = {r["id"]: r for r in loaded.iter_rows(named=True)}
    assert (by_id["1"]["sentiment_label"], by_id["1"]["themes"]) == ("negatief", [themes])  # … the correction stays
    assert (by_id["2"]["sentiment_label"], by_id["2"]["themes"]) == ("neutraal", ["afval"])  # no correction
    assert db.execute("SELECT sentiment_label FROM enrichments WHERE id = '1'").fetchall() == [("positief",)]
    assert remove(db, "mastodon", "1") and not remove(db, "mastodon", "1")
    loaded = load_mentions(db, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    assert loaded.filter(pl.col("id") == "1")["sentiment_label"].to_list() == ["positief"]


def test_a_correction_is_checked_against_the_config(lindeveen):
    with pytest.raises(ValueError, match="'boos' is not one of negatief"):
        correction(lindeveen, "mastodon", "1", "boos")
    with pytest.raises(ValueError, match="theme 'ruimtevaart' not in the config \\(afval, verkeer"):
        correction(lindeveen, "mastodon", "1", themes="ruimtevaart")
    with pytest.raises(ValueError, match="nothing to correct"):
        correction(lindeveen, "mastodon", "1")
    assert correction(lindeveen, "mastodon", "1", themes="-").themes == ()  # explicitly none


def test_csv_import_of_corrections_reports_bad_rows_and_stores_the_rest(db, lindeveen, tmp_path):
    add_mentions(db, ("mastodon", "1", "Wat een mooi park", None), ("mastodon", "2", "De container is vol", None))
    theme = next(iter(lindeveen.terms.portfolios))
    path = tmp_path / "correcties.csv"
    path.write_text("platform,id,sentiment,themes,note\n"
                    f"mastodon,1,negatief,{theme},sarcasme\n"
                    "mastodon,2,heel boos,,\n"
                    "mastodon,99,positief,,\n"
                    "mastodon,2,,-,geen thema\n", encoding="utf-8")
    result = import_csv(db, lindeveen, path)
    assert result.stored == 2
    assert result.problems == [
        f"{path}:3: label 'heel boos' is not one of negatief, neutraal, positief (or negative, neutral, positive)",
        f"{path}:4: no mention mastodon/99 is stored"]
    assert db.execute("SELECT id, sentiment_label, themes, note FROM corrections ORDER BY id").fetchall() == [
        ("1", "negatief", [theme], "sarcasme"), ("2", None, [], "geen thema")]
    # Imported again: the same corrections, not twice.
    assert import_csv(db, lindeveen, path).stored == 2
    assert db.execute("SELECT count(*) FROM corrections").fetchall() == [(2,)]


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "luisterpost", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_sentiment_score_command_explains_itself():
    done = run_cli("sentiment", "score", "De lantaarn is al weken kapot")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("negatief -0.") and "kapot −0,90" in lines[1]


def test_sentiment_eval_command_on_a_labelled_file(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("tekst,oordeel\nWat een mooi park,positive\nDe weg is kapot,negatief\n"
                    "De raad vergadert dinsdag,neutral\nOnzin,boos\n", encoding="utf-8")
    done = run_cli("sentiment", "eval", "--labels", str(path), "--text-column", "tekst", "--label-column", "oordeel")
    assert done.returncode == 0, done.stderr
    macro = [line for line in done.stdout.splitlines() if "macro" in line]
    assert macro and "1.000" in macro[0]
    assert "accuracy   1.000" in done.stdout and f"{path}:5: label 'boos'" in done.stderr
    missing = run_cli("sentiment", "eval", "--labels", str(path))
    assert missing.returncode == 2 and "no column 'text', 'label'" in missing.stderr and "Traceback" not in missing.stderr


@pytest.mark.skipif(not (SHARED / "sentiment-dev").exists(), reason="needs ../shared/data/sentiment-dev")
def test_sentiment_eval_on_the_human_labelled_dev_tweets():
    done = run_cli("sentiment", "eval", "--labels", str(SHARED / "sentiment-dev" / "mp-tweets-polarity-dev.csv"))
    assert done.returncode == 0, done.stderr
    macro = next(line for line in done.stdout.splitlines() if "macro" in line)
    assert float(macro.split()[1]) >= 0.62


def test_correct_command_and_its_errors(tmp_path):
    config = tmp_path / "gemeente.toml"
    text = (resource_dir("examples") / "lindeveen.toml").read_text(encoding="utf-8")
    config.write_text(text.replace('database = "../data/{slug}.duckdb"', 'database = "db.duckdb"'), encoding="utf-8")
    from luisterpost.store import open_db

    database = load_config(config).database_path
    assert database == tmp_path / "db.duckdb"
    con = open_db(database)
    add_mentions(con, ("mastodon", "7", "Wat een mooi park", None))
    con.close()
    done = run_cli("--config", str(config), "correct", "mastodon", "7", "--sentiment", "negative", "--themes", "groen")
    assert done.returncode == 0 and "mastodon/7: corrected" in done.stdout, done.stderr
    unknown = run_cli("--config", str(config), "correct", "mastodon", "8", "--sentiment", "negatief")
    assert unknown.returncode == 2 and "no mention mastodon/8 is stored" in unknown.stderr
    bad = run_cli("--config", str(config), "correct", "mastodon", "7", "--themes", "ruimtevaart")
    assert bad.returncode == 2 and "theme 'ruimtevaart' not in the config" in bad.stderr and "Traceback" not in bad.stderr
    con = open_db(database)
    assert con.execute("SELECT sentiment_label, themes FROM corrections").fetchall() == [("negatief", ["groen"])]
