"""Themes and woonkernen from keyword lists: case- and accent-insensitive, compounds included."""

import pytest

from luisterpost.enrich.terms import build_matcher, fold

MATCHER = build_matcher(
    {"afval": ["afval", "container", "oud papier"], "parkeren": ["parkeer", "vergunning"], "zorg": ["wmo"]},
    ["Oosterbroek", "Hoogmolen", "Sint-Jansklooster"],
)


@pytest.mark.parametrize(
    ("text", "themes", "places"),
    [
        ("De afvalcontainer in Oosterbroek is vol", ["afval"], ["Oosterbroek"]),
        ("Parkeervergunning aan de Hoogmolenseweg?", ["parkeren"], []),  # a street named after a place
        ("OUD PAPIER in sint-jansklooster", ["afval"], ["Sint-Jansklooster"]),
        ("Mijn WMO-aanvraag", ["zorg"], []),
        ("Café en crème", [], []),
        ("Wachten op de wmoloket", ["zorg"], []),
        ("Een afvalligen-discussie", [], []),  # a derivation, not a compound
        # The compound rule over-matches a compound whose head is another thing:
        ("Containerschip in de haven", ["afval"], []),
        ("Vooroosterbroekse zaken", [], []),
    ],
)
def test_themes_and_woonkernen(text, themes, places):
    assert MATCHER.match(text) == (themes, places)


def test_fold_removes_accents_and_case():
    assert fold("Café Één") == "cafe een"


def test_fingerprint_follows_the_keyword_lists():
    assert MATCHER.fingerprint == build_matcher(
        {"afval": ["afval", "container", "oud papier"], "parkeren": ["parkeer", "vergunning"], "zorg": ["wmo"]},
        ["Oosterbroek", "Hoogmolen", "Sint-Jansklooster"]).fingerprint
    assert MATCHER.fingerprint != build_matcher({"afval": ["afval"]}, []).fingerprint


def test_a_config_without_keyword_lists_finds_nothing_in_every_row():
    found = build_matcher({}, []).match_frame(["afval in Oosterbroek", "park"])
    assert found.rows() == [([], []), ([], [])]
