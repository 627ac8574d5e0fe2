"""The first metrics: sentiment labels with their evidence, and webcare cases on given rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from luisterpost.enrich.run import enrich_pending
from luisterpost.enrich.sentiment import score
from luisterpost.enrich.terms import build_matcher
from luisterpost.importer import import_file
from luisterpost.metrics.compute import Filters, Settings, cases_within, headline_of, in_period_frame, prepare
from luisterpost.metrics.load import load_mentions
from luisterpost.metrics.period import Period
from luisterpost.metrics.volume import per_day
from luisterpost.schedule import business_calendar, parse_schedule
from luisterpost.metrics.webcare import author_keys, case_labels, cases, mark_own, threads

from .conftest import store_enrichment

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

OWN = {"mastodon": {"gemeentex"}, "facebook": {"gemeentex"}}
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("text", "label", "evidence"),
    [
        ("Wat een mooi park!", "positief", ("mooi +0,70", "! +0,10 (uitroeptekens)")),
        ("Dit is niet goed", "negatief", ("niet … goed −0,27 (ontkend)",)),
        ("Niet opgehaald, schandalig", "negatief", ("niet … opgehaald −1,05 (niet gedaan)", "schandalig −0,90")),  # negatives × 1,5
        ("@slecht https://slecht.example omleiding via de Kerkstraat", "neutraal", ()),
        ("heel mooi", "positief", ("heel mooi +1,05 (versterkt)",)),
        ("beetje kapot", "negatief", ("beetje kapot −0,45 (afgezwakt)",)),
        ("SLECHT", "negatief", ("slecht −1,28 (hoofdletters)",)),
        ("Mooi park, maar de bankjes zijn kapot", "negatief",
         ("mooi +0,35 (vóór 'maar')", "kapot −1,35 (na 'maar')")),
        ("👍🏻", "positief", ("👍 +0,60",)),  # a skin tone is part of the emoji before it
        ("Dank :)", "positief", ("dank +0,60", ":) +0,50")),
        ("#GoedNieuws", "positief", ("goed nieuws +0,70",)),
        ("de parkeervergunning is te duur", "negatief", ("te duur −0,60",)),
        ("we komen om te helpen", "positief", ("helpen +0,30",)),  # "te" before a verb is no complaint
        ("de slechte weg", "negatief", ("slechte −0,85",)),  # found through its lemma
        ("al weken een gat in de weg", "negatief", ("gat in de weg −0,90",)),
        ("Is het park al mooi?", "neutraal", ("mooi +0,00 (in een vraag)",)),  # a positive word asked about is not said
        ("Waarom is de lantaarn nog steeds kapot?", "negatief", ("steeds kapot −1,35 (versterkt)",)),  # a complaint as a question
        ("Behoorlijk frustrerend", "negatief", ("behoorlijk frustrerend −1,35 (versterkt)",)),  # through the verb
        ("de lift is stuk", "negatief", ("is stuk −0,75",)),
        ("een mooi stuk in de krant", "positief", ("mooi +0,70",)),  # "stuk" alone is a piece
        ("de gemeente opent vandaag het nieuwe loket", "neutraal", ("nieuwe +0,03",)),
    ],
)
def test_sentiment_label_and_the_words_and_rules_that_decided_it(text, label, evidence):
    result = score(text)
    assert (result.label, result.evidence) == (label, evidence)
    assert -1 < result.score < 1


def test_sentiment_is_deterministic_and_scores_grow_with_evidence():
    assert score("mooi") == score("mooi")
    assert score("mooi").score < score("heel mooi").score < score("heel mooi!!").score
    assert score("kapot").score > score("kapot en smerig").score


def mention(id, minutes, author, text="", reply_to=None, conversation=None, platform="mastodon"):
    return {"platform": platform, "id": id, "created_at": T0 + timedelta(minutes=minutes), "author_handle": author,
            "text": text, "in_reply_to_id": reply_to, "conversation_id": conversation}


def frame(rows):
    return pl.DataFrame(rows, schema={"platform": pl.String, "id": pl.String,
                                      "created_at": pl.Datetime("us", "UTC"), "author_handle": pl.String,
                                      "text": pl.String, "in_reply_to_id": pl.String,
                                      "conversation_id": pl.String}).sort("created_at")  # as the loader gives them


def test_cases_refuse_mentions_out_of_time_order():
    rows = [mention("2", 30, "gemeentex", "@anouk hij komt morgen", reply_to="1"),
            mention("1", 0, "anouk", "@gemeentex waar is mijn container?")]
    unsorted = pl.DataFrame(rows, schema=frame(rows).schema)
    with pytest.raises(ValueError, match="time order"):
        cases(threads(mark_own(unsorted, OWN)), window_hours=72)
    assert cases(threads(mark_own(frame(rows), OWN)), window_hours=72)["answered"].to_list() == [True]


def test_author_keys_treat_spellings_of_one_handle_as_one_author():
    handles = [("mastodon", "anouk"), ("mastodon", " @Anouk@mastodon.nl"), ("mastodon", "ANOUK@other.example"),
               ("bluesky", "anouk"), ("bluesky", "@Anouk"), ("bluesky", "anouk@x"), ("mastodon", "bas")]
    rows = [mention(str(i), i, handle, platform=platform) for i, (platform, handle) in enumerate(handles)]
    keys = author_keys(frame(rows)).to_list()
    # Mastodon drops the @instance; elsewhere only case, spaces and a leading @ are ignored.
    assert keys[0] == keys[1] == keys[2]
    assert keys[3] == keys[4] != keys[0]
    assert len(set(keys)) == 4


def test_cases_responses_and_their_times():
    rows = [
        # Anouk asks; the municipality answers her 30 minutes later (its handle with @instance).
        mention("1", 0, "anouk@mastodon.nl", "@gemeentex waar is mijn container?"),
        mention("2", 30, "GemeenteX@social.overheid.nl", "@anouk hij komt morgen", reply_to="1"),
        # Bas joins the same thread; he is answered by name, later.
        mention("3", 40, "bas", "bij mij ook", reply_to="1"),
        mention("4", 100, "gemeentex", "@bas we kijken ernaar", reply_to="2"),
        # Carla asks on Facebook; the answer comes on Mastodon (another channel): not answered.
        mention("5", 0, "carla", "@gemeentex de lantaarn is kapot", platform="facebook"),
        mention("6", 20, "gemeentex", "@carla dank, we sturen iemand"),
        # Dirk asks and gets an answer after the 72-hour window: not answered.
        mention("7", 0, "dirk", "@gemeentex hallo?"),
        mention("8", 73 * 60, "gemeentex", "@dirk sorry voor de late reactie", reply_to="7"),
        # A thread without any message to or from the municipality is no case.
        mention("9", 0, "eva", "mooi weer vandaag"),
        mention("10", 5, "fien", "zeker", reply_to="9"),
    ]
    marked = threads(mark_own(frame(rows), OWN))
    result = case_labels(cases(marked, window_hours=72), marked).sort("platform", "resident")
    assert result.select("platform", "thread", "resident", "answered", "response_minutes").rows() == [
        ("facebook", "5", "carla", False, None),
        ("mastodon", "1", "anouk", True, 30.0),
        ("mastodon", "1", "bas", True, 60.0),
        ("mastodon", "7", "dirk", False, None),
    ]


def test_month_summary_figures_on_given_rows(db, tmp_path):
    rows = [
        mention("1", 0, "anouk", "@gemeentex waar is mijn container?"),
        mention("2", 30, "gemeentex", "@anouk morgen", reply_to="1"),
        mention("3", 0, "bas", "@gemeentex wanneer komt de veegwagen?"),
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps({**r, "created_at": r["created_at"].isoformat()}) for r in rows), encoding="utf-8")
    assert import_file(db, path).problems == []
    for id, label in (("1", "negatief"), ("2", "neutraal"), ("3", "positief")):
        store_enrichment(db, "mastodon", id, label)
    settings = Settings(OWN, business_calendar(parse_schedule("mon-fri 08:30-17:00"), AMSTERDAM, "NL", []))
    loaded = load_mentions(db, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    march = Period.month(2026, 3, AMSTERDAM)
    marked, timed = prepare(loaded, settings)
    in_period = in_period_frame(marked, march, Filters())
    figures = headline_of(in_period, cases_within(marked, timed, march, Filters()))
    response = figures["response"]
    assert (figures["mentions"], figures["mentions"] - figures["own_posts"], figures["negative_share"]) == (3, 2, 0.5)
    assert (response["cases"], response["answered"], response["rate"],
            response["first_response_minutes"]["median"]) == (2, 1, 0.5, 30.0)
    daily = per_day(in_period, march.first_day, march.last_day)
    assert daily.filter(pl.col("mentions") > 0).rows() == [(T0.date(), 3, 1)]


def test_enrichment_is_incremental_and_follows_text_changes(db):
    db.execute("INSERT INTO mentions (platform, id, created_at, author_handle, text, source, first_seen_at, updated_at)"
               " VALUES ('x', '1', now(), 'a', 'Wat mooi', 't', now(), now()),"
               "        ('x', '2', now(), 'a', 'Slecht', 't', now(), now())")
    parks = build_matcher({"groen": ["park"]}, [])
    assert enrich_pending(db, parks) == 2
    assert enrich_pending(db, parks) == 0
    db.execute("UPDATE mentions SET text = 'Toch niet mooi, dat park' WHERE id = '1'")
    assert enrich_pending(db, parks) == 1
    assert db.execute("SELECT id, sentiment_label, themes FROM enrichments ORDER BY id").fetchall() == [
        ("1", "negatief", ["groen"]), ("2", "negatief", [])]
    # New keyword lists: everything is tagged again.
    assert enrich_pending(db, build_matcher({"groen": ["park", "slecht"]}, [])) == 2
