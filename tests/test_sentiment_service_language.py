"""Sentiment of municipal service language on given texts → expected label and evidence: jobs done or not
done (participles with negation, "nog steeds niet", auxiliaries and prompt words), the empathy and
apologies of webcare replies, which are not complaints, and residents' complaints."""

from __future__ import annotations

import pytest

from luisterpost.enrich.sentiment import score


@pytest.mark.parametrize(
    ("text", "label", "evidence"),
    [
        # Said plainly, a participle that is as often about anything else says nothing ...
        ("de straatverlichting is gemaakt", "neutraal", ()),
        ("ik heb een foto gemaakt van de markt", "neutraal", ()),
        # ... and one that names a repair counts its own polarity.
        ("de lantaarnpaal is gerepareerd", "positief", ("gerepareerd +0,50",)),
        # Done quickly or on time: praise.
        ("snel gemaakt, top", "positief", ("snel +0,20", "snel … gemaakt +0,50 (snel gedaan)", "top +0,60")),
        ("container meteen opgehaald", "positief", ("meteen … opgehaald +0,50 (snel gedaan)",)),
        ("binnen een dag geregeld", "positief", ("binnen … geregeld +0,50 (snel gedaan)",)),
        ("op tijd geleegd", "positief", ("op tijd … geleegd +0,50 (snel gedaan)",)),
        # Not done: a complaint, whatever the participle's own polarity; "nog steeds" makes it stronger.
        ("niet gemaakt", "negatief", ("niet … gemaakt −1,05 (niet gedaan)",)),
        ("nog steeds niet gemaakt", "negatief", ("niet … steeds gemaakt −1,58 (versterkt, niet gedaan)",)),
        ("het is nog niet opgelost", "negatief", ("niet … opgelost −1,05 (niet gedaan)",)),
        ("niemand heeft het opgeruimd", "negatief", ("niemand … opgeruimd −1,05 (niet gedaan)",)),
        ("ze kunnen het niet oplossen", "negatief", ("niet … oplossen −1,05 (niet gedaan)",)),
        ("Waarom is de container nog steeds niet opgehaald?", "negatief",  # a complaint asked as a question
         ("niet … steeds opgehaald −1,58 (versterkt, niet gedaan)",)),
        ("niet snel opgelost", "negatief", ("niet … snel −0,12 (ontkend)", "niet … opgelost −1,05 (niet gedaan)")),
        # Not yet: an auxiliary before or after the job puts it in the future, or asks for it.
        ("wordt gemaakt", "neutraal", ()),
        ("het wordt morgen opgelost", "neutraal", ("opgelost +0,00 (nog te doen)",)),
        ("dat het gat gerepareerd wordt", "neutraal", ("gerepareerd +0,00 (nog te doen)",)),
        ("we gaan het oplossen", "neutraal", ()),
        ("de lantaarn wordt niet gemaakt", "negatief", ("niet … gemaakt −1,05 (niet gedaan)",)),  # not done wins
        # Sympathy in a reply: said to someone, or followed by an offer of help, it is no complaint.
        ("Vervelend! We sturen iemand.", "neutraal", ("vervelend +0,00 (medeleven)",)),
        ("Dag Anouk, vervelend om te horen. We gaan ernaar kijken.", "neutraal", ("vervelend +0,00 (medeleven)",)),
        ("Heel erg vervelend voor je!", "neutraal", ("erg vervelend +0,00 (versterkt, medeleven)",)),
        ("Wat vervelend dat uw container niet is opgehaald.", "neutraal",
         ("vervelend +0,00 (medeleven)", "niet … opgehaald +0,00 (niet gedaan, medeleven)")),
        ("Wat jammer om dit te lezen", "neutraal", ("jammer +0,00 (medeleven)",)),
        ("Sorry voor het ongemak", "neutraal", ()),
        ("Onze excuses voor de overlast", "neutraal", ("overlast +0,00 (medeleven)",)),
        # The same words in a resident's complaint still count.
        ("Wat vervelend dat de container niet is opgehaald", "negatief",
         ("vervelend −0,90", "niet … opgehaald −1,05 (niet gedaan)")),
        ("Vervelend, al weken kapot", "negatief", ("vervelend −0,90", "kapot −0,90")),
        ("Jammer, de kermis is afgelast", "negatief", ("jammer −0,75", "afgelast −0,60")),
        # What residents complain of, and words Pattern reads in a sense posts seldom mean.
        ("Handhaving doet niks", "negatief", ("doet niks −0,90",)),
        ("Wmo-aanvraag weer afgewezen", "negatief", ("weer afgewezen −0,90 (versterkt)",)),
        ("Laat het ons weten", "neutraal", ()),  # "laat": lets, not late
        # A dash between words ends a clause: the negation before it does not turn what follows.
        ("Dit is niet groen - het verwoest bossen", "negatief", ("niet … groen −0,03 (ontkend)", "verwoest −1,05")),
        # Only the empathic clause is muted: a complaint beside it counts.
        ("Sorry hoor, maar dit is echt belachelijk", "negatief", ("echt belachelijk −3,38 (versterkt, na 'maar')",)),
    ],
)
def test_service_language_label_and_evidence(text, label, evidence):
    result = score(text)
    assert (result.label, result.evidence) == (label, evidence)


def test_a_job_not_done_weighs_more_when_it_is_still_not_done():
    assert score("nog steeds niet opgehaald").score < score("niet opgehaald").score < 0
    assert score("snel opgehaald").score > score("opgehaald").score == 0
