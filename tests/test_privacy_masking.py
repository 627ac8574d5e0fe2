"""Masking shown texts, rule by rule (luisterpost/masking.py, docs/masking.md): what each rule masks and what it
must leave alone (dates, amounts, times, years, postcodes without a house number, "Dag allemaal"); and handles in
every platform's syntax pseudonymised, own accounts' handles kept (metrics/privacy.py)."""

from __future__ import annotations

import polars as pl
import pytest

from luisterpost.masking import mask_texts
from luisterpost.metrics.privacy import Pseudonymiser

PRIVACY = Pseudonymiser(b"masking-test-key")
OWN = {"mastodon": {"gemeentelindeveen"}, "bluesky": {"gemeentelindeveen.bsky.social"}, "reddit": {"gemeentelindeveen"}}


def masked(text: str) -> str:
    return mask_texts(pl.Series([text])).item()


def shown(platform: str, text: str) -> str:
    """`text` as outputs show it: masked and pseudonymised."""
    return PRIVACY.texts(pl.DataFrame({"platform": [platform], "text": [text]}), OWN)["text"].item()


def p(platform: str, handle: str) -> str:
    return PRIVACY.pseudonym(platform, handle)


@pytest.mark.parametrize(("text", "expected"), [
    ("mail jan.jansen@voorbeeld.nl of émilie@voorbeeld.nl.", "mail [e-mail] of [e-mail]."),
    ("https://social.example/@jan, www.lindeveen.nl/afval", "[link], [link]"),
    ("zie social.example/@jan of bsky.app/profile/jan.bsky.social", "zie [link] of [link]"),
    ("NL91 ABNA 0417 1643 00, NL91ABNA0417164300, nl91abna0417164300", "[iban], [iban], [iban]"),
    ("DE89 3704 0044 0532 0130 00 of GB29 NWBK 6016 1331 9268 19 graag", "[iban] of [iban] graag"),
])
def test_e_mail_links_and_ibans_are_masked(text, expected):
    assert masked(text) == expected


@pytest.mark.parametrize("number", [
    "06-12345678", "06 12345678", "0612345678", "06 1234 5678", "06-1234 5678", "06 12 34 56 78", "06.12.34.56.78",
    "06 - 12345678", "06 123 456 78", "+31 6 12345678", "+31612345678", "+31 (0)6 1234 5678", "+31-6-12345678",
    "0031 6 12345678", "0031 (0)20 1234567", "020-1234567", "020 123 4567", "020 - 123 45 67", "020.123.45.67",
    "0201234567", "(020) 123 4567", "0591-123456", "0591 12 34 56", "088-1234567", "088 123 4567",
    "0800-1234", "0800 1234", "0900-1234567", "0900 123 4567", "+44 20 7946 0958",
])
def test_dutch_phone_numbers_in_every_usual_form_are_masked(number):
    assert masked(f"bel {number} graag") == "bel [telefoon] graag"


@pytest.mark.parametrize("text", [
    "op 08-10-2026 om 12:00", "06-10-2026 12:00 uur", "op 08.10.2026", "kost € 1.234,56 of €0,50",
    "om 06.30 uur", "in 2026 en 2027", "10.000 inwoners, 1.250.000 euro", "postcode 1234 AB in Lindeveen",
    "het gemeentenummer 14 0512", "huisnummer 12 en nummer 4a", "in 2026 de 3 wijken", "fietspad 3 keer gemeld",
    "versie 1.2/3", "Dag allemaal", "Hoi iedereen!", "Beste inwoners,", "Hallo gemeente", "Hallo Allemaal",
    "Beste Inwoners van Lindeveen", "dag jan", "Dag 3 van de werkzaamheden", "Zie de straat 4 keer",
])
def test_ordinary_text_stays(text):
    assert masked(text) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("1234 AB 12 graag", "[adres] graag"), ("1234AB 12a", "[adres]"), ("1234 AB, 7-2", "[adres]"),
    ("1234ab 3 hier", "[adres] hier"), ("Kerkstraat 4 is open", "[adres] is open"), ("Kerkstraat 4a", "[adres]"),
    ("de Van Goghstraat 12-3", "de Van [adres]"), ("Burgemeester Smitslaan 117.", "Burgemeester [adres]."),
    ("Dorpsweg 7, Stationsplein 1, Oudegracht 4 bis", "[adres], [adres], [adres] bis"),
    ("Lindekade 3, Zeedijk 9, Molensingel 2, Kloosterhof 5, Kerkpad 1, Bakkerssteeg 6b",
     "[adres], [adres], [adres], [adres], [adres], [adres]"),
])
def test_postcodes_and_streets_with_a_house_number_are_masked(text, expected):
    assert masked(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Dag Sietske, we kijken ernaar.", "Dag [naam], we kijken ernaar."),
    ("Hoi Jan", "Hoi [naam]"),
    ("Hallo Anne-Marie!", "Hallo [naam]!"),
    ("Beste meneer Jansen, dank u.", "Beste [naam], dank u."),
    ("Beste mevr. de Vries-Zwart,", "Beste [naam],"),
    ("Goedemorgen Piet, fijn.", "Goedemorgen [naam], fijn."),
    ("Goedenavond Geeske Haaksma, uw vraag", "Goedenavond [naam], uw vraag"),
    ("@jan Dag Jan de Vries, kijk", "@jan Dag [naam], kijk"),
    ("Dank. Hoi Piet! En nu", "Dank. Hoi [naam]! En nu"),
    ("Groet,\nBeste Émile,", "Groet,\nBeste [naam],"),
    ("hoi Sietske", "hoi [naam]"),
])
def test_the_name_a_greeting_opens_with_is_masked(text, expected):
    assert masked(text) == expected


def test_a_greeting_inside_a_sentence_is_not_a_greeting():
    assert masked("Ik zei dag Sietske en ging weg") == "Ik zei dag Sietske en ging weg"


@pytest.mark.parametrize(("platform", "text", "expected"), [
    ("mastodon", "@Émilie_Dupont zegt het ook.", "@{mastodon:émilie_dupont} zegt het ook."),
    ("mastodon", "@jan@social.example en @gemeentelindeveen@social.overheid.nl",
     "@{mastodon:jan} en @gemeentelindeveen@social.overheid.nl"),
    ("reddit", "u/jorrit_kramer en /u/Hiltje-V hier", "u/{reddit:jorrit_kramer} en /u/{reddit:hiltje-v} hier"),
    ("facebook", "zie u/tjitske_b", "zie u/{reddit:tjitske_b}"),
    ("bluesky", "@jan.bsky.social en @jan.example.nl.", "@{bluesky:jan.bsky.social} en @{bluesky:jan.example.nl}."),
    ("bluesky", "vraag klaasje-bos.bsky.social of @gemeentelindeveen.bsky.social",
     "vraag @{bluesky:klaasje-bos.bsky.social} of @gemeentelindeveen.bsky.social"),
    # Own handles stay whatever the post's platform; a link with a handle in it goes as a whole.
    ("facebook", "@GemeenteLindeveen en social.example/@jan", "@GemeenteLindeveen en [link]"),
    ("mastodon", "bsky.app/profile/jan.bsky.social", "[link]"),
    # E-mail addresses are masked before handles are looked for: nothing of them is left.
    ("mastodon", "mail jan.jansen@voorbeeld.nl", "mail [e-mail]"),
    ("mastodon", "menu/jan en mu/jan", "menu/jan en mu/jan"),
])
def test_handles_in_every_platforms_syntax_are_pseudonymised(platform, text, expected):
    names = {f"{{{k}}}": p(*k.split(":", 1)) for k in ("mastodon:émilie_dupont", "mastodon:jan", "reddit:jorrit_kramer",
                                                      "reddit:hiltje-v", "reddit:tjitske_b", "bluesky:jan.bsky.social",
                                                      "bluesky:jan.example.nl", "bluesky:klaasje-bos.bsky.social")}
    for placeholder, name in names.items():
        expected = expected.replace(placeholder, name)
    assert shown(platform, text) == expected


def test_a_handle_in_a_text_gets_the_pseudonym_its_author_gets():
    posts = pl.DataFrame({"platform": ["mastodon"], "author": ["jan"], "author_followers": [5], "is_own": [False],
                          "url": ["https://social.example/@jan/1"], "text": ["@Jan@social.example klopt"]})
    out = PRIVACY.texts(PRIVACY.names(posts), OWN).row(0, named=True)
    assert out["text"] == f"@{out['author']} klopt" and out["url"] is None


def test_pseudonyms_cannot_be_switched_off(write_config):
    from luisterpost.config import load_config
    from luisterpost.errors import UserError

    with pytest.raises(UserError) as caught:
        load_config(write_config("[privacy]\npseudonymise = false\n"))
    assert "privacy.pseudonymise: cannot be false: no report or output may name a resident" in str(caught.value)
