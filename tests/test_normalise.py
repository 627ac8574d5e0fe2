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


def test_bluesky_post_with_its_reply_links():
    from luisterpost.sources.bluesky import normalise_post

    thread = recorded("bluesky/thread.json")["thread"]
    reply = thread["replies"][0]["replies"][0]["post"]
    mention = normalise_post(reply)
    assert mention == {
        "platform": "bluesky", "id": "at://did:plc:gemeente9/app.bsky.feed.post/3kre2",
        "created_at": "2026-11-19T10:05:00.000Z", "author_handle": "gemeentelindeveen.nl",
        "author_id": "did:plc:gemeente9", "author_name": "Gemeente Lindeveen",
        "text": "@sanne.bsky.social Ja, in de hele gemeente.",
        "url": "https://bsky.app/profile/gemeentelindeveen.nl/post/3kre2",
        "in_reply_to_id": "at://did:plc:sanne1/app.bsky.feed.post/3kre1",
        "conversation_id": "at://did:plc:gemeente9/app.bsky.feed.post/3kgm1",
        "lang": "nl", "likes": 0, "reposts": 0, "replies": 0, "quotes": 0,
    }
    # No display name and no language tag: left empty, not invented.
    post = normalise_post(recorded("bluesky/search-page2.json")["posts"][1])
    assert (post["author_name"], post["lang"], post["conversation_id"]) == (None, None, post["id"])


def test_reddit_post_and_comment():
    from luisterpost.sources.reddit import normalise_thing

    listings = recorded("reddit/comments-p1.json")
    post = normalise_thing(listings[0]["data"]["children"][0])
    assert post == {
        "platform": "reddit", "id": "t3_p1", "created_at": "2026-11-20T12:00:00+00:00",
        "author_handle": "fietsfanaat", "author_id": "t2_fiet",
        "url": "https://www.reddit.com/r/thenetherlands/comments/p1/x/", "likes": 5,
        "text": "Lindeveen legt eindelijk fietspad aan\n\nLangs de Vaart, klaar in maart.",
        "conversation_id": "t3_p1", "replies": 2,
    }
    nested = listings[1]["data"]["children"][0]["data"]["replies"]["data"]["children"][0]
    comment = normalise_thing(nested)
    assert (comment["id"], comment["in_reply_to_id"], comment["conversation_id"], comment["text"]) == (
        "t1_c2", "t1_c1", "t3_p1", "Ja, het werd tijd.")
    downvoted = normalise_thing(recorded("reddit/comments-p2.json")[1]["data"]["children"][0])
    assert downvoted["likes"] == 0  # a negative score is no likes, not negative likes


def test_youtube_video_playlist_item_and_comments():
    from luisterpost.sources.youtube import normalise_item

    video = normalise_item(recorded("youtube/search-page1.json")["items"][0])
    assert video == {
        "platform": "youtube", "id": "vidA1", "created_at": "2026-11-20T16:00:00Z",
        "author_handle": "Omroep Regio", "author_id": "UCnieuws123", "author_name": "Omroep Regio",
        "text": "Lindeveen: protest tegen windmolens\n\nInwoners van Oosterwolde zijn boos.",
        "url": "https://www.youtube.com/watch?v=vidA1", "conversation_id": "vidA1",
    }
    upload = normalise_item(recorded("youtube/playlist.json")["items"][0])
    assert (upload["id"], upload["author_handle"], upload["created_at"]) == (
        "vidG1", "Gemeente Lindeveen", "2026-11-19T12:00:00Z")
    thread = recorded("youtube/comments-vidA1.json")["items"][0]
    top = normalise_item(thread["snippet"]["topLevelComment"])
    reply = normalise_item(thread["replies"]["comments"][0])
    assert (top["in_reply_to_id"], top["likes"], top["author_handle"]) == ("vidA1", 14, "@boerjan")
    assert (reply["in_reply_to_id"], reply["conversation_id"]) == ("UgxA1", "vidA1")


def test_news_article_and_comment():
    import feedparser

    from luisterpost.sources.news import _plain, normalise_entry

    feed = feedparser.parse(recorded("news/regio.xml").replace("{base}", "http://127.0.0.1"))
    article = normalise_entry({"feed_title": "Omroep Regio - Nieuws", "lang": "nl", "entry": _plain(feed.entries[0])})
    assert article == {
        "platform": "news", "id": "omroepregio-1001", "created_at": "2026-11-20T16:45:00+00:00",
        "author_handle": "Redactie", "author_name": "Redactie",
        "text": "Boze bewoners Oosterwolde over windmolens\n\n"
                "Inwoners van Oosterwolde vinden dat de gemeente hen niet hoort.",
        "url": "https://www.omroepregio.example/nieuws/1001", "in_reply_to_id": None,
        "conversation_id": "omroepregio-1001", "lang": "nl", "replies": 2,
    }
    comments = feedparser.parse(recorded("news/comments-1001.xml"))
    comment = normalise_entry({"article": "omroepregio-1001", "entry": _plain(comments.entries[1])})
    assert (comment["text"], comment["author_handle"], comment["in_reply_to_id"]) == (
        "Er is toch een inloopavond?", "Marloes", "omroepregio-1001")


def test_facebook_and_instagram():
    from luisterpost.sources.graph import normalise_facebook, normalise_instagram

    post = normalise_facebook(recorded("facebook/posts-page1.json")["data"][0])
    assert (post["id"], post["author_handle"], post["likes"], post["replies"], post["reposts"]) == (
        "123_501", "Gemeente Lindeveen", 40, 2, 6)
    reply = normalise_facebook({**recorded("facebook/comments-501.json")["data"][1], "_on": "123_501"})
    assert (reply["in_reply_to_id"], reply["conversation_id"]) == ("501_9001", "123_501")
    anonymous = normalise_facebook({**recorded("facebook/comments-500.json")["data"][0], "_on": "123_500"})
    assert (anonymous["author_handle"], anonymous["in_reply_to_id"]) == ("onbekend", "123_500")
    media = normalise_instagram(recorded("instagram/media-page1.json")["data"][0])
    assert (media["text"], media["author_handle"], media["likes"], media["replies"]) == (
        "Het nieuwe fietspad langs de Vaart 🚲", "gemeentelindeveen", 210, 2)
    comment = recorded("instagram/comments-m1.json")["data"][0]
    answer = normalise_instagram({**comment["replies"]["data"][0], "_on": "17900000000000002", "_parent": comment["id"]})
    assert (answer["in_reply_to_id"], answer["conversation_id"], answer["text"]) == (
        "18000000000000011", "17900000000000002", "@fietser_lindeveen In het voorjaar.")
