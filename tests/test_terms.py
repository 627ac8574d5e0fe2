"""Themes and woonkernen from keyword lists: case- and accent-insensitive, following how Dutch builds words;
names are no evidence for a theme, the municipality is no woonkern; a portfolio's exclude terms never count."""

import sys

import pytest

from luisterpost.enrich.run import enrich_pending
from luisterpost.enrich.terms import build_matcher, fold
from luisterpost.errors import UserError

from .conftest import ROOT

PORTFOLIOS = {
    "afval": ["afval", "container", "glasbak", "oud papier"],
    "verkeer": ["verkeer", "weg", "fietspad", "drempel", "rotonde"],
    "parkeren": ["parkeren", "parkeervergunning"],
    "groen": ["groen", "park", "bomen", "gras", "speeltuin"],
    "zorg": ["zorg", "wmo", "mantelzorg"],
    "wonen": ["wonen", "woning"],
}
WOONKERNEN = ["Zeist", "Oosterbroek", "Sint-Jansklooster", "Den Dolder"]
MATCHER = build_matcher(PORTFOLIOS, WOONKERNEN, exclude={"groen": ["wagenpark", "groene container"]},
                        names=["Zeist", "gemeente Zeist"], hashtags=["#zeist"], handles=["@gemeentezeist"])


@pytest.mark.parametrize(
    ("text", "themes"),
    [
        # A keyword as the word itself, inflected, or as a verb's form.
        ("AFVAL op straat", ["afval"]),
        ("De glasbakken puilen uit", ["afval"]),
        ("Twee containers erbij", ["afval"]),
        ("Iemand heeft hier geparkeerd", ["parkeren"]),
        ("Hij parkeert op de stoep", ["parkeren"]),
        ("Mijn WMO-aanvraag", ["zorg"]),
        ("Café en crème", []),
        # A compound whose subject is the keyword: at the start a modifier, at the end its head.
        ("De afvalcontainer is vol", ["afval"]),
        ("Parkeervergunning kwijt", ["parkeren"]),
        ("Fietspadreparatie duurt lang", ["verkeer"]),
        ("Wegwerkzaamheden vanaf maandag", ["verkeer"]),
        ("Bomenkap zonder overleg", ["groen"]),  # a plural as modifier
        ("De parkeerplek is bezet", ["parkeren"]),  # "parkeren" as "parkeer-"
        ("De nieuwe woonwijk", ["wonen"]),  # "wonen" as "woon-"
        ("Vol met zwerfafval", ["afval"]),
        ("De snelweg staat vast", ["verkeer"]),
        ("Mantelzorgers verdienen steun", ["zorg"]),  # a person: "-ers" after a long keyword
        ("Woningnood", ["wonen"]),
        ("Verkeersveiligheid rond scholen", ["verkeer"]),  # a head ending like an adjective
        ("Een verkeersonveilige situatie", ["verkeer"]),
        ("Wachten op de wmoloket", ["zorg"]),
        # Words that merely start or end like a keyword.
        ("Ik ben onderweg", []),
        ("Wegwezen!", []),
        ("Ze hebben alles weggegooid", []),
        ("Verse groente van de markt", []),
        ("Onze parkiet is ontsnapt", []),
        ("Zorgvuldig gedaan", []),
        ("Een afvalligen-discussie", []),
        ("Groenere daken", []),
        ("Voorzorg is beter", []),
        ("Parkeren bij het park", ["parkeren", "groen"]),  # "park" is no evidence in "parkeren"
        ("We zorgen ervoor dat het klopt", []),  # a noun keyword's "-en" form as a verb
        ("Ik maak me zorgen", []),
        # "weg" as a noun (after a determiner) is evidence; as an adverb it is not.
        ("Gat in de weg", ["verkeer"]),
        ("Een drukke weg", ["verkeer"]),
        ("De container is weg", ["afval"]),
        ("Jongeren trekken weg", []),
        ("Op weg naar huis", []),
        # Street names and other names built on a keyword are not evidence for its theme.
        ("Afgesloten: de Stationsweg", []),
        ("Stationsweg is afgesloten", []),  # also first in a sentence
        ("Inbraak aan de Parkstraat", []),
        ("Wonen aan de Bomenlaan", ["wonen"]),
        ("Verkeer op de Hoogmolenseweg", ["verkeer"]),
        ("Gat in de Kerkweg", []),
        ("Weer vol op de parkstraat", []),  # a street head makes even a lower-case word a street
        # ... not for park; written in lower case it cannot be told from a road ("snelweg"), so weg counts.
        ("Drukte op de parkweg", ["verkeer"]),
        ("GroenLinks wil meer geld", []),  # a capital inside a word: a name
        ("Vacature bij Parkhotel De Linde", []),  # capitalised in mid-sentence: a name
        ("Containerschip in de haven", ["afval"]),  # a compound whose head is another thing still counts
        # A capitalised word first in a sentence, or a name that is the keyword itself, still counts.
        ("Fietspad kapot", ["verkeer"]),
        ("Afvalcontainer kapot", ["afval"]),
        ("Weer problemen. Parkeervergunning kwijt", ["parkeren"]),
        ("Klachten over de Wmo", ["zorg"]),
        ("Ophalen van Oud Papier", ["afval"]),
        ("Oud papier ligt op straat", ["afval"]),
        # Handles, links and the municipality's own names are not evidence.
        ("Vraag aan @afvalcoach", []),
        ("Zie https://example.org/afval", []),
        # Exclude terms never count for their portfolio, other words in the text still do.
        ("Het wagenpark wordt vernieuwd", []),
        ("Wagenparkbeheer is duur", []),
        ("De groene container is vol", ["afval"]),
        ("De groene container staat in het park", ["afval", "groen"]),
    ],
)
def test_themes(text, themes):
    assert MATCHER.match(text)[0] == themes


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("Druk in Oosterbroek", ["Oosterbroek"]),
        ("oosterbroek is mooi", ["Oosterbroek"]),
        ("Oosterbroekse kermis", ["Oosterbroek"]),  # an adjective from the name
        ("Oosterbroek-Noord zonder stroom", ["Oosterbroek"]),
        ("#Oosterbroek is prachtig", ["Oosterbroek"]),  # a hashtag that is not the municipality's own
        ("OUD PAPIER in sint-jansklooster", ["Sint-Jansklooster"]),
        ("Naar Sint Jansklooster en den Dolder", ["Sint-Jansklooster", "Den Dolder"]),
        ("Afgesloten: de Oosterbroekseweg", []),  # a street named after a place
        ("Vooroosterbroekse zaken", []),
        ("Mooi stuk van @oosterbroeknieuws", []),  # a handle
        # The woonkern that has the municipality's name: the municipality is not the place ...
        ("gemeente Zeist doet niks", []),
        ("Gemeente Zeist: nieuwe regels", []),
        ("De raad van Zeist besluit vanavond", []),
        ("Burgemeester van Zeist opent het zwembad", []),
        ("Zeist verdient beter", []),
        ("@gemeentezeist bedankt!", []),
        ("#zeist mooie dag", []),
        ("De Zeister gemeenteraad", []),
        # ... where a place is meant, it is.
        ("In het centrum van Zeist is het druk", ["Zeist"]),
        ("Ik fiets naar Zeist", ["Zeist"]),
        ("Stroomstoring in zeist", ["Zeist"]),
        ("Zeist-West zonder stroom", ["Zeist"]),
        ("Tussen Oosterbroek en Zeist", ["Zeist", "Oosterbroek"]),
        ("Zeister kermis", ["Zeist"]),
        ("De gemeente Zeist gaat bomen kappen in Zeist", ["Zeist"]),
    ],
)
def test_woonkernen(text, places):
    assert MATCHER.match(text)[1] == places


def test_exclude_terms_are_what_keeps_a_word_out():
    assert build_matcher({"groen": ["park"]}, []).match("Het wagenpark wordt vernieuwd") == (["groen"], [])
    assert build_matcher({"groen": ["park"]}, [], exclude={"groen": ["wagenpark"]}).match(
        "Het wagenpark wordt vernieuwd") == ([], [])


def test_a_woonkern_named_like_the_municipality_counts_anywhere_when_the_names_do_not_say_so():
    assert build_matcher({}, ["Zeist"]).match("Zeist verdient beter") == ([], ["Zeist"])
    assert build_matcher({}, ["Zeist"]).match("gemeente Zeist") == ([], [])  # still never "gemeente X"


def test_fold_removes_accents_and_case():
    assert fold("Café Één") == "cafe een"


def test_fingerprint_follows_keywords_excludes_and_the_municipalitys_names():
    assert MATCHER.fingerprint == build_matcher(
        PORTFOLIOS, WOONKERNEN, exclude={"groen": ["wagenpark", "groene container"]},
        names=["Zeist", "gemeente Zeist"], hashtags=["#zeist"], handles=["@gemeentezeist"]).fingerprint
    others = [build_matcher(PORTFOLIOS, WOONKERNEN),
              build_matcher(PORTFOLIOS, WOONKERNEN, exclude={"groen": ["wagenpark"]},
                            names=["Zeist", "gemeente Zeist"], hashtags=["#zeist"], handles=["@gemeentezeist"]),
              build_matcher(PORTFOLIOS, WOONKERNEN, exclude={"groen": ["wagenpark", "groene container"]},
                            names=["gemeente Zeist"], hashtags=["#zeist"], handles=["@gemeentezeist"])]
    assert len({MATCHER.fingerprint, *(m.fingerprint for m in others)}) == 4


def test_new_exclude_terms_tag_stored_mentions_again(db):
    db.execute("INSERT INTO mentions (platform, id, created_at, author_handle, text, source, first_seen_at, updated_at)"
               " VALUES ('x', '1', now(), 'a', 'Het wagenpark is oud', 't', now(), now()),"
               "        ('x', '2', now(), 'a', 'Mooi park', 't', now(), now())")
    assert enrich_pending(db, build_matcher({"groen": ["park"]}, [])) == 2
    assert enrich_pending(db, build_matcher({"groen": ["park"]}, [])) == 0
    assert enrich_pending(db, build_matcher({"groen": ["park"]}, [], exclude={"groen": ["wagenpark"]})) == 2
    assert db.execute("SELECT id, themes FROM enrichments ORDER BY id").fetchall() == [("1", []), ("2", ["groen"])]


def test_a_config_without_keyword_lists_finds_nothing_in_every_row():
    found = build_matcher({}, []).match_frame(["afval in Oosterbroek", "park"])
    assert found.rows() == [([], []), ([], [])]


def test_empty_and_missing_texts_find_nothing():
    assert MATCHER.match_frame(["", None, "afval"]).rows() == [([], []), ([], []), (["afval"], [])]


def _tagging_eval():
    sys.path.insert(0, str(ROOT / "bench"))
    import eval_tagging

    return eval_tagging


def test_the_development_set_meets_the_goals_for_every_theme_and_woonkern():
    evaluation = _tagging_eval()
    posts = evaluation.read_posts(evaluation.DATA / "posts.jsonl")
    report = evaluation.evaluate(evaluation.DATA / "veenhorst.toml", posts)
    assert len(posts) >= 150
    assert {label for label, s in [*report.themes.items(), *report.woonkernen.items()] if not s.meets_goal()} == set()
    # Every theme and woonkern is exercised, with room for a few misses each.
    assert min(s.tp + s.fn for s in [*report.themes.values(), *report.woonkernen.values()]) >= 10


def test_the_held_out_posts_meet_the_goals_overall():
    evaluation = _tagging_eval()
    report = evaluation.evaluate(evaluation.DATA / "veenhorst.toml",
                                 evaluation.read_posts(evaluation.DATA / "holdout.jsonl"))
    assert report.overall.precision >= evaluation.PRECISION_GOAL
    assert report.overall.recall >= evaluation.RECALL_GOAL


def test_the_evaluation_counts_given_labels_as_expected():
    evaluation = _tagging_eval()
    scores = evaluation.score([["afval"], ["afval", "groen"], [], ["groen"]],
                              [["afval"], ["afval"], ["groen"], ["groen"]], ["afval", "groen"])
    assert scores == {"afval": evaluation.Score(2, 0, 0), "groen": evaluation.Score(1, 1, 1)}
    assert (scores["groen"].precision, scores["groen"].recall) == (0.5, 0.5)
    assert evaluation.Score(0, 0, 0).precision is None and evaluation.Score(0, 0, 0).meets_goal()


COMPOUNDS = {
    "afval": "afvalbak afvalinzameling afvalophaaldienst restafval afvalstoffenheffing afvalapp papiercontainer",
    "verkeer": "wegdek wegafsluiting wegbeheerder wegomleiding wegenbouw rondweg verkeerslicht vrachtverkeer "
               "verkeersregelaar fietspaden verkeersdrempels turborotonde weggebruikers",
    "groen": "parkje stadspark parkbankje boomstronk bomenrij kastanjeboom grasmaaier kunstgras speeltuintje",
    "zorg": "zorgloket ouderenzorg thuiszorg zorgaanbieder",
    "wonen": "woonruimte woont woningcorporatie koopwoning woningzoekende",
    "parkeren": "parkeergarage parkeerterrein parkeertarief parkeert foutparkeren fietsparkeren",
}


@pytest.mark.parametrize(("theme", "word"), [(t, w) for t, words in COMPOUNDS.items() for w in words.split()])
def test_real_compounds_and_forms_count(theme, word):
    assert theme in MATCHER.match(f"Het {word}")[0]


@pytest.mark.parametrize("word", "parket parka wegrennen weggaan halfweg zorgeloos zorgzaam boomers".split())
def test_look_alikes_do_not(word):
    assert MATCHER.match(f"Het {word}")[0] == []


def test_the_evaluation_refuses_labels_the_config_does_not_have(tmp_path):
    evaluation = _tagging_eval()
    posts = tmp_path / "labelled.jsonl"
    posts.write_text('{"text": "Afval", "themes": ["afval"]}\n{"text": "x", "themes": ["sport"]}\n', encoding="utf-8")
    with pytest.raises(UserError, match=r"post labelled.jsonl:2: themes \['sport'\] are not in .*veenhorst.toml"):
        evaluation.evaluate(evaluation.DATA / "veenhorst.toml", evaluation.read_posts(posts))
    posts.write_text('{"text": "Afval"}\nniet json\n', encoding="utf-8")
    with pytest.raises(UserError, match=r"labelled.jsonl:2: not valid JSON"):
        evaluation.read_posts(posts)
