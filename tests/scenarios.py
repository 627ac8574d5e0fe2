"""Per platform: the recorded responses a FakeApi serves, and what a harvest of them must store.

Each scenario serves a first run (with at least two pages of one listing), then something new for a second
run; `paged` names the second page's request, where the fault tests inject their trouble."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.fakeapi import FakeApi, recorded


@dataclass
class Scenario:
    kind: str
    settings: dict[str, Any]
    serve: Callable[[FakeApi], None]
    serve_more: Callable[[FakeApi], None]
    ids: set[str]  # ids stored by the first run
    new_ids: set[str]  # ids the second run adds
    watermarks: dict[str, str]  # after the first run
    paged: tuple[str, dict[str, str]]  # the request of a second page: (path, query parameters)
    broken: Callable[[Any], Any]  # the second page with its items changed in shape
    broken_ids: set[str]  # ids on the second page that no longer normalise
    env: dict[str, str] = field(default_factory=dict)  # secrets
    where: str = "page 2"  # how errors name the faulty request
    garbled: str = "not valid JSON"  # what errors say of a garbled answer
    now: datetime = datetime(2026, 11, 21, 12, tzinfo=UTC)
    platform: str = ""

    def __post_init__(self) -> None:
        self.platform = self.platform or self.kind


# --- Mastodon ----------------------------------------------------------------------------------------------

M = "mastodon/"
TAG = "/api/v1/timelines/tag/lindeveen"


def _mastodon(api: FakeApi) -> None:
    link = '<{base}' + TAG + '?limit=40&max_id={id}>; rel="next", <{base}' + TAG + '?limit=40&min_id=x>; rel="prev"'
    api.add(TAG, recorded(M + "tag-page1.json"), headers={"Link": link.replace("{id}", "113200000000000104")})
    api.add(TAG, recorded(M + "tag-page2.json"), params={"max_id": "113200000000000104"},
            headers={"Link": link.replace("{id}", "113200000000000102"),
                     "X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299",
                     "X-RateLimit-Reset": "2026-11-21T12:05:00.000Z"})
    api.add(TAG, recorded(M + "tag-page3.json"), params={"max_id": "113200000000000102"},
            headers={"Link": link.replace("{id}", "113200000000000101")})
    api.add(TAG, [], params={"max_id": "113200000000000101"})
    api.add("/api/v1/accounts/lookup", recorded(M + "lookup.json"), params={"acct": "gemeentelindeveen"})
    api.add("/api/v1/accounts/2001/statuses", recorded(M + "account-statuses.json"))
    api.add("/api/v1/statuses/113200000000000110/context", recorded(M + "context-110.json"))
    api.add("/api/v1/statuses/113200000000000098/context", recorded(M + "context-098.json"))


def _newer_on_top(api: FakeApi, path: str, newer: Any, key: str | None = None) -> None:
    """The listing's first page with the newer posts on top (a listing shows its newest first)."""
    route = next(r for r in api.routes if r.path == path and not r.params)
    first = route.default.body
    body = newer + first if key is None else {**first, key: newer[key] + first[key]}
    api.add(path, body, headers=route.default.headers)


def _mastodon_more(api: FakeApi) -> None:
    _newer_on_top(api, TAG, recorded(M + "tag-newer.json"))


def _drop_content(page: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in status.items() if k != "content"} | {"text": "renamed"} for status in page]


MASTODON = Scenario(
    kind="mastodon",
    settings={"hashtags": ["#lindeveen"], "accounts": ["@gemeentelindeveen"]},
    serve=_mastodon, serve_more=_mastodon_more,
    ids={f"1132000000000001{n:02d}" for n in (5, 4, 3, 2, 1, 10, 11)} | {"113200000000000098", "113200000000000099"},
    new_ids={"113200000000000107"},
    watermarks={"tag:lindeveen": "113200000000000105".zfill(24), "account:gemeentelindeveen": "113200000000000110".zfill(24)},
    paged=(TAG, {"max_id": "113200000000000104"}),
    broken=_drop_content, broken_ids={"113200000000000103", "113200000000000102"},
)

# --- Bluesky -----------------------------------------------------------------------------------------------

B = "bluesky/"
SEARCH = "/xrpc/app.bsky.feed.searchPosts"


def _bsky(uri_key: str, did: str = "joost2") -> str:
    return f"at://did:plc:{did}/app.bsky.feed.post/{uri_key}"


def _bluesky(api: FakeApi) -> None:
    api.add("/xrpc/com.atproto.server.createSession", recorded(B + "session.json"), method="POST")
    api.add(SEARCH, recorded(B + "search-page1.json"))
    api.add(SEARCH, recorded(B + "search-page2.json"), params={"cursor": "c1"})
    api.add(SEARCH, recorded(B + "search-page3.json"), params={"cursor": "c2"})
    api.add("/xrpc/app.bsky.feed.getAuthorFeed", recorded(B + "author-feed.json"))
    api.add("/xrpc/app.bsky.feed.getPostThread", recorded(B + "thread.json"))


def _bluesky_more(api: FakeApi) -> None:
    _newer_on_top(api, SEARCH, recorded(B + "search-newer.json"), "posts")


def _drop_record(page: dict[str, Any]) -> dict[str, Any]:
    return {**page, "posts": [{k: v for k, v in post.items() if k != "record"} for post in page["posts"]]}


BLUESKY = Scenario(
    kind="bluesky",
    settings={"identifier": "gemeentelindeveen.nl", "search": ["Lindeveen"], "accounts": ["gemeentelindeveen.nl"]},
    serve=_bluesky, serve_more=_bluesky_more,
    ids={_bsky("3kaa5", "sanne1"), _bsky("3kaa4"), _bsky("3kaa3", "sanne1"), _bsky("3kaa2"),
         _bsky("3kgm1", "gemeente9"), _bsky("3kre1", "sanne1"), _bsky("3kre2", "gemeente9")},
    new_ids={_bsky("3kaa7")},
    watermarks={"search:Lindeveen": "2026-11-20T18:00:00.000000Z",
                "account:gemeentelindeveen.nl": "2026-11-19T09:00:00.000000Z"},
    paged=(SEARCH, {"cursor": "c1"}),
    broken=_drop_record, broken_ids={_bsky("3kaa3", "sanne1"), _bsky("3kaa2")},
    env={"BLUESKY_APP_PASSWORD": "abcd-efgh-ijkl-mnop"},
)

# --- Reddit ------------------------------------------------------------------------------------------------

R = "reddit/"
SUB = "/r/thenetherlands/search"


def _reddit(api: FakeApi) -> None:
    api.add("/api/v1/access_token", recorded(R + "token.json"), method="POST")
    api.add(SUB, recorded(R + "search-page1.json"))
    api.add(SUB, recorded(R + "search-page2.json"), params={"after": "t3_p2"})
    for post in ("p1", "p2", "p3", "p4"):
        api.add(f"/r/thenetherlands/comments/{post}", recorded(R + f"comments-{post}.json"))


def _reddit_more(api: FakeApi) -> None:
    api.add(SUB, recorded(R + "search-newer.json"))


def _drop_title(listing: dict[str, Any]) -> dict[str, Any]:
    children = [{"kind": t["kind"], "data": {k: v for k, v in t["data"].items() if k != "title"}}
                for t in listing["data"]["children"]]
    return {**listing, "data": {**listing["data"], "children": children}}


REDDIT = Scenario(
    kind="reddit",
    settings={"client_id": "abc123client", "auth_url": "{base}", "subreddits": ["r/thenetherlands"], "search": ["Lindeveen"]},
    serve=_reddit, serve_more=_reddit_more,
    ids={"t3_p1", "t3_p2", "t3_p3", "t1_c1", "t1_c2", "t1_c3"},
    new_ids={"t3_p4", "t1_c4"},
    watermarks={"r/thenetherlands:Lindeveen": "2026-11-20T12:00:00.000000Z"},
    paged=(SUB, {"after": "t3_p2"}),
    broken=_drop_title, broken_ids={"t3_p3"},
    env={"REDDIT_CLIENT_SECRET": "reddit-client-secret-value"},
)

# --- YouTube -----------------------------------------------------------------------------------------------

Y = "youtube/"


def _youtube(api: FakeApi) -> None:
    api.add("/search", recorded(Y + "search-page1.json"))
    api.add("/search", recorded(Y + "search-page2.json"), params={"pageToken": "CAEQAA"})
    api.add("/channels", recorded(Y + "channels.json"), params={"id": "UCgemeente"})
    api.add("/playlistItems", recorded(Y + "playlist.json"), params={"playlistId": "UUgemeente"})
    api.add("/commentThreads", recorded(Y + "comments-empty.json"))
    api.add("/commentThreads", recorded(Y + "comments-vidA1.json"), params={"videoId": "vidA1"})
    api.add("/commentThreads", recorded(Y + "comments-disabled.json"), params={"videoId": "vidA2"}, status=403)
    api.add("/commentThreads", recorded(Y + "comments-vidG1.json"), params={"videoId": "vidG1"})
    api.add("/comments", recorded(Y + "replies-UgxA1.json"), params={"parentId": "UgxA1"})


def _youtube_more(api: FakeApi) -> None:
    _newer_on_top(api, "/search", recorded(Y + "search-newer.json"), "items")


def _drop_title_snippet(page: dict[str, Any]) -> dict[str, Any]:
    items = [{**item, "snippet": {k: v for k, v in item["snippet"].items() if k != "title"}} for item in page["items"]]
    return {**page, "items": items}


YOUTUBE = Scenario(
    kind="youtube",
    settings={"search": ["Lindeveen"], "channels": ["UCgemeente"]},
    serve=_youtube, serve_more=_youtube_more,
    ids={"vidA1", "UgxA1", "UgxA1.r1", "UgxA1.r2", "vidA2", "vidG1", "UgxG1"},
    new_ids={"vidA3"},
    watermarks={"search:Lindeveen": "2026-11-20T16:00:00.000000Z", "channel:UCgemeente": "2026-11-19T12:00:00.000000Z"},
    paged=("/search", {"pageToken": "CAEQAA"}),
    broken=_drop_title_snippet, broken_ids={"vidA2"},
    env={"YOUTUBE_API_KEY": "AIzaSyFakeKeyForTests000"},
)

# --- RSS / Atom news ----------------------------------------------------------------------------------------

N = "news/"
RSS = "application/rss+xml"


def _news(api: FakeApi) -> None:
    api.add("/nieuws.atom", recorded(N + "own.xml"), content_type="application/atom+xml")
    api.add("/rss/regio.xml", recorded(N + "regio.xml"), content_type=RSS)
    api.add("/rss/comments-1001.xml", recorded(N + "comments-1001.xml"), content_type=RSS)


def _news_more(api: FakeApi) -> None:
    api.add("/rss/regio.xml", recorded(N + "regio-newer.xml"), content_type=RSS)


def _drop_dates(xml: str) -> str:
    import re

    return re.sub(r"<pubDate>[^<]*</pubDate>", "", xml)


NEWS = Scenario(
    kind="news",
    settings={"own_feeds": ["{base}/nieuws.atom"], "feeds": ["{base}/rss/regio.xml"]},
    serve=_news, serve_more=_news_more,
    ids={"https://www.lindeveen.example/nieuws/gft-wekelijks", "https://www.lindeveen.example/nieuws/inloopavond-windpark",
         "omroepregio-1001", "omroepregio-999", "omroepregio-1001-r1", "omroepregio-1001-r2"},
    new_ids={"omroepregio-1002"},
    watermarks={"feed:{base}/nieuws.atom": "2026-11-20T08:00:00.000000Z",
                "feed:{base}/rss/regio.xml": "2026-11-20T16:45:00.000000Z"},
    paged=("/rss/regio.xml", {}),
    broken=_drop_dates, broken_ids={"omroepregio-1001", "omroepregio-999"},
    where="feed 2", garbled="not a readable RSS or Atom feed",
)

# --- Facebook and Instagram (Graph API) ---------------------------------------------------------------------

F = "facebook/"


def _facebook(api: FakeApi) -> None:
    api.add("/123/posts", recorded(F + "posts-page1.json"))
    api.add("/123/posts", recorded(F + "posts-page2.json"), params={"after": "QVFH"})
    api.add("/123_501/comments", recorded(F + "comments-501.json"))
    api.add("/123_500/comments", recorded(F + "comments-500.json"))
    api.add("/123_502/comments", recorded(F + "empty.json"))
    api.add("/123/events", recorded(F + "events.json"))
    api.add("/777/feed", recorded(F + "event-777-feed.json"))


def _facebook_more(api: FakeApi) -> None:
    api.add("/123/posts", recorded(F + "posts-newer.json"))


def _drop_created(page: dict[str, Any]) -> dict[str, Any]:
    return {**page, "data": [{k: v for k, v in p.items() if k != "created_time"} | {"created": "x"} for p in page["data"]]}


FACEBOOK = Scenario(
    kind="facebook",
    settings={"page_id": "123"},
    serve=_facebook, serve_more=_facebook_more,
    ids={"123_501", "123_500", "501_9001", "501_9002", "500_9003", "777_1"},
    new_ids={"123_502"},
    watermarks={"posts": "2026-11-20T15:00:00.000000Z"},
    paged=("/123/posts", {"after": "QVFH"}),
    broken=_drop_created, broken_ids={"123_500"},
    env={"FACEBOOK_PAGE_TOKEN": "EAAGfakePageToken0000"},
)

IG = "instagram/"
MEDIA = "/17841400000/media"


def _instagram(api: FakeApi) -> None:
    api.add(MEDIA, recorded(IG + "media-page1.json"))
    api.add(MEDIA, recorded(IG + "media-page2.json"), params={"after": "IGc1"})
    api.add("/17900000000000002/comments", recorded(IG + "comments-m1.json"))
    for media in ("17900000000000001", "17900000000000003"):
        api.add(f"/{media}/comments", recorded(IG + "empty.json"))


def _instagram_more(api: FakeApi) -> None:
    api.add(MEDIA, recorded(IG + "media-newer.json"))


def _drop_username(page: dict[str, Any]) -> dict[str, Any]:
    return {**page, "data": [{k: v for k, v in m.items() if k != "username"} for m in page["data"]]}


INSTAGRAM = Scenario(
    kind="instagram",
    settings={"account_id": "17841400000"},
    serve=_instagram, serve_more=_instagram_more,
    ids={"17900000000000002", "17900000000000001", "18000000000000011", "18000000000000012"},
    new_ids={"17900000000000003"},
    watermarks={"media": "2026-11-20T12:00:00.000000Z"},
    paged=(MEDIA, {"after": "IGc1"}),
    broken=_drop_username, broken_ids={"17900000000000001"},
    env={"INSTAGRAM_TOKEN": "IGQfakeInstagramToken00"},
)

SCENARIOS = [MASTODON, BLUESKY, REDDIT, YOUTUBE, NEWS, FACEBOOK, INSTAGRAM]
