"""Normalisation, one function per platform, on responses recorded from the public API documentation."""

from __future__ import annotations

from luisterpost.sources.mastodon import normalise_status
from tests.fakeapi import recorded


def test_mastodon_status_becomes_a_mention_with_plain_text():
    status = recorded("mastodon/tag-page1.json")[0]
    mention = normalise_status(status)
    assert mention == {
        "platform": "mastodon", "id": "113200000000000105", "created_at": "2026-11-20T09:15:00.000Z",
        "author_handle": "anouk@mastodon.nl", "author_id": "1001", "author_name": "Anouk", "author_followers": 210,
        "text": "De container in #Oosterwolde is alweer niet geleegd & het stinkt.\n\n"
                "Wanneer komt de @gemeentelindeveen langs?",
        "url": "https://social.example/@anouk/113200000000000105", "in_reply_to_id": None, "lang": "nl",
        "likes": 4, "reposts": 0, "replies": 1, "quotes": None,
    }
    assert normalise_status(recorded("mastodon/tag-page1.json")[1])["text"] == "Mooie nieuwe fietsbrug bij de Vaart!\nGoed gedaan."
    # A content warning is part of what was said.
    assert normalise_status(recorded("mastodon/tag-page2.json")[1])["text"] == "politiek\n\nInspraakavond over het bestemmingsplan"
    reply = normalise_status(recorded("mastodon/context-110.json")["descendants"][0])
    assert reply["in_reply_to_id"] == "113200000000000110"
