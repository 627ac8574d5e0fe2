"""Synthetic platforms for replay tests: hundreds of posts and the replies under them, served by a FakeApi in the
shape of each API's public documentation (the same JSON as the recorded answers in tests/data/api), with each
platform's own paging: Mastodon Link headers with max_id, a Bluesky cursor, Reddit `after`, a YouTube
nextPageToken, Graph paging.next with `after`. RSS feeds have no paging.

A world holds posts (in listings: a hashtag, a search, an account, a page) and replies (reachable only through
the platform's conversation endpoint). Tests add posts and late replies between runs and ask `expected()` for
what a complete harvest stores."""

from __future__ import annotations

import base64
import html
import json
import random
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from tests.fakeapi import FakeApi, Reply, Request

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
# How far a new source's first run reads back: the start of the previous calendar month in Amsterdam,
# 1 October 2026 00:00 CEST.
FLOOR = datetime(2026, 9, 30, 22, tzinfo=UTC)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")

RESIDENTS = ["anouk", "piet", "ria_devries", "boerjan", "sanne", "joost", "marloes", "henk", "fietsfanaat", "yara"]
SUBJECTS = ["de container", "het fietspad", "de Dorpsstraat", "de speeltuin", "het gemeentehuis", "de rotonde",
            "het windpark", "de bibliotheek", "de kerstmarkt", "de bushalte"]
PLACES = ["Lindeveen", "Oosterwolde", "Buitenpost"]
QUESTIONS = ["Weet iemand wanneer {s} in {p} weer open is?", "Waarom is {s} in {p} nog steeds niet klaar?",
             "Mooi dat {s} in {p} eindelijk aangepakt wordt.", "Wie gaat er over {s} in {p}?",
             "Al drie weken last van {s} in {p}, niemand doet iets."]
ANSWERS = ["Dank voor uw vraag, we zoeken het uit.", "Dat is volgende week klaar.", "Zie onze website voor meer.",
           "Hier heb ik ook last van.", "Klopt, bij ons in de straat ook.", "Heeft u al een melding gedaan?"]
OWN_NEWS = ["Werkzaamheden aan {s} in {p}", "Inloopavond over {s} in {p}", "Nieuw: {s} in {p}"]


def spread(count: int, start: datetime, end: datetime) -> list[datetime]:
    """`count` distinct times from `start` to `end`, oldest first, whole seconds apart."""
    step = (end - start) / max(count - 1, 1)
    return [(start + step * n).replace(microsecond=0) + timedelta(seconds=n % 7) for n in range(count)]


def _iso_z(at: datetime, ms: bool = True) -> str:
    text = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return (text[:-3] if ms else text[:-7]) + "Z"


def _graph_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _arg(request: Request, name: str, default: str | None = None) -> str | None:
    return request.params.get(name, [default])[0]


class World:
    """One synthetic platform. Subclasses give the payloads and the routes; this keeps posts, replies and listings."""

    kind = ""
    platform = ""
    page_size = 0  # what the adapter asks for per listing page
    env: dict[str, str] = {}
    own_name = ""  # the municipality's account on this platform
    floor_applies = True  # whether a first run stops at the floor (feeds are read whole)
    MAIN = ""  # the listing most tests fill: a hashtag, a search, the page's posts
    OTHERS: list[str] = []  # more listings of the same kind, for a source with several queries
    depth: int | None = None  # how deep replies nest: 2, a comment and its replies; 1, a flat comment feed
    own_posts = False  # every post is the municipality's own (a page's posts, an account's media)

    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        self.payloads: dict[str, dict[str, Any]] = {}
        self.times: dict[str, datetime] = {}
        self.authors: dict[str, str] = {}
        self.parents: dict[str, str] = {}
        self.children: dict[str, list[str]] = defaultdict(list)
        self.listings: dict[str, list[str]] = defaultdict(list)
        self.served: dict[str, list[int]] = defaultdict(list)  # listing → offset of every page served
        self.serial = 0
        self.budget: int | None = None  # requests left before the platform's rate limit answers 429 (None: no limit)
        self.reset_in = 3600  # seconds until the rate limit resets

    # --- building ------------------------------------------------------------------------------------------

    def settings(self, listings: Iterable[str] | None = None) -> dict[str, Any]:
        """The source's table (besides kind, name, base_url and patience) reading these listings (default: MAIN)."""
        return self.settings_for(list(listings or [self.MAIN]))

    def settings_for(self, listings: list[str]) -> dict[str, Any]:
        raise NotImplementedError

    def route_of(self, listing: str) -> tuple[str, dict[str, str]]:
        """The request (path, the query parameters that tell it apart) of a listing's pages."""
        raise NotImplementedError

    def thread_route(self, item_id: str) -> tuple[str, dict[str, str]]:
        """The request of the conversation under a post, like `route_of`."""
        return f"/{item_id}/comments", {}  # the Graph API's

    def error(self, status: int) -> Reply:
        """The platform's answer with this error status."""
        return Reply({"error": {404: "Record not found", 500: "Internal server error"}.get(status, "error")}, status)

    def rate_headers(self, remaining: int) -> dict[str, str]:
        """The rate-limit headers on every answer, with `remaining` requests left."""
        return {}

    def limited(self) -> Reply:
        """The answer once the rate limit is used up."""
        return Reply({"error": "Too many requests"}, 429, self.rate_headers(0))

    def metered(self, answer: Any) -> Any:
        """`answer` counted against the rate limit (`budget`), with the platform's rate-limit headers."""

        def counted(request: Request) -> Reply:
            if self.budget is not None and self.budget <= 0:
                return self.limited()
            if self.budget is not None:
                self.budget -= 1
            reply = answer(request)
            reply.headers = {**reply.headers, **self.rate_headers(300 if self.budget is None else self.budget)}
            return reply

        return counted

    def accounts(self) -> dict[str, list[str]]:
        """The config's [accounts] table: the municipality's own handles."""
        return {self.platform: [self.own_name]} if self.own_name else {}

    def post(self, listings: str | Iterable[str], at: datetime, *, own: bool = False) -> str:
        """A new post in these listings; returns its id."""
        self.serial += 1
        author = self.own_name if own or self.own_posts else self.rng.choice(RESIDENTS)
        item_id = self.new_id(at, None, author)
        text = (self.rng.choice(OWN_NEWS) if own else self.rng.choice(QUESTIONS)).format(
            s=self.rng.choice(SUBJECTS), p=self.rng.choice(PLACES))
        self._keep(item_id, at, author, None)
        self.payloads[item_id] = self.make_post(item_id, at, author, text)
        for name in [listings] if isinstance(listings, str) else listings:
            self.listings[name].append(item_id)
        return item_id

    def reply(self, parent: str, at: datetime, *, own: bool = False) -> str:
        """A reply under `parent` (a post or a reply), reachable only through the conversation; returns its id.
        Where replies nest less deep than that, it hangs under the deepest one it may."""
        while self.depth is not None and len(self.ancestors(parent)) >= self.depth:
            parent = self.parents[parent]
        self.serial += 1
        author = self.own_name if own else self.rng.choice(RESIDENTS)
        item_id = self.new_id(at, parent, author)
        self._keep(item_id, at, author, parent)
        self.payloads[item_id] = self.make_reply(item_id, at, author, self.rng.choice(ANSWERS), parent)
        return item_id

    def _keep(self, item_id: str, at: datetime, author: str, parent: str | None) -> None:
        assert item_id not in self.payloads, item_id
        self.times[item_id] = at
        self.authors[item_id] = author
        if parent is not None:
            self.parents[item_id] = parent
            self.children[parent].append(item_id)

    def conversation_under(self, posts: Iterable[str], replies: tuple[int, int] = (1, 3), own_answer: float = 0.3,
                           late: timedelta = timedelta(hours=6)) -> list[str]:
        """Replies under each post, some answered by the municipality; returns their ids."""
        made = []
        for post in posts:
            for _ in range(self.rng.randint(*replies)):
                at = min(self.times[post] + late * self.rng.random() + timedelta(minutes=1), NOW - timedelta(minutes=5))
                made.append(self.reply(post, at))
                if self.own_name and self.rng.random() < own_answer:
                    made.append(self.reply(made[-1], at + timedelta(minutes=3), own=True))
        return made

    def new_id(self, at: datetime, parent: str | None, author: str) -> str:
        raise NotImplementedError

    def make_post(self, item_id: str, at: datetime, author: str, text: str) -> dict[str, Any]:
        raise NotImplementedError

    def make_reply(self, item_id: str, at: datetime, author: str, text: str, parent: str) -> dict[str, Any]:
        raise NotImplementedError

    # --- what a harvest must store ---------------------------------------------------------------------------

    def threaded(self, item_id: str) -> bool:
        """Whether the adapter reads the conversation of this post (every post, unless a platform says otherwise)."""
        return item_id not in self.parents

    def listing_ids(self, name: str) -> list[str]:
        return self.listings[name]

    def expected(self, listings: Iterable[str] | None = None, floor: datetime | None = FLOOR) -> set[str]:
        """Every id a complete harvest of these listings (default: all) stores: their posts since `floor`, and the
        conversations of those whose conversation the adapter reads."""
        names = self.listings if listings is None else listings
        found = {i for name in names for i in self.listing_ids(name)
                 if floor is None or not self.floor_applies or self.times[i] >= floor}
        return found | {c for i in found if self.threaded(i) for c in self.conversation(i)}

    def conversation(self, item_id: str) -> list[str]:
        """What the conversation endpoint returns for this item: every reply below it (platforms that also show
        what it answers add those)."""
        found, stack = [], list(self.children[item_id])
        while stack:
            child = stack.pop()
            found.append(child)
            stack.extend(self.children[child])
        return sorted(found, key=lambda i: self.times[i])

    def ancestors(self, item_id: str) -> list[str]:
        chain = []
        while item_id in self.parents:
            item_id = self.parents[item_id]
            chain.append(item_id)
        return chain[::-1]

    def stored_id(self, item_id: str) -> str:
        """The id the adapter stores the item under."""
        return item_id

    def newest(self, listing: str) -> list[str]:
        return sorted(self.listing_ids(listing), key=lambda i: (self.times[i], i), reverse=True)

    def page(self, listing: str, start: int, limit: int) -> tuple[list[str], bool]:
        """A page of a listing from offset `start`, and whether more follow."""
        ids = self.newest(listing)
        self.served[listing].append(start)
        return ids[start:start + limit], start + limit < len(ids)

    def serve(self, api: FakeApi) -> None:
        raise NotImplementedError


# --- Mastodon ------------------------------------------------------------------------------------------------

class Mastodon(World):
    """A Mastodon instance: hashtag timelines, account statuses and statuses/:id/context, 40 a page, older pages
    through a Link header with max_id (given only when a page is full, as Mastodon does). A reader without a
    token sees at most 60 replies of a conversation (in the order of its tree), as Mastodon shows logged-out
    readers."""

    kind = platform = "mastodon"
    page_size = 40
    own_name = "gemeentelindeveen"
    env = {"MASTODON_TOKEN": "mastodon-replay-token"}
    LOGGED_OUT_REPLIES = 60
    OWN_ID = "2001"
    MAIN = "tag:lindeveen"
    OTHERS = ["tag:oosterwolde", "tag:raadsvergadering"]

    def accounts(self) -> dict[str, list[str]]:
        return {"mastodon": ["gemeentelindeveen@social.overheid.nl"]}

    def settings_for(self, listings: list[str]) -> dict[str, Any]:
        return {"hashtags": ["#" + n[4:] for n in listings if n.startswith("tag:")],
                **({"accounts": ["@gemeentelindeveen"]} if "account" in listings else {})}

    def route_of(self, listing: str) -> tuple[str, dict[str, str]]:
        return self.tag_path(listing[4:]), {}

    def thread_route(self, item_id: str) -> tuple[str, dict[str, str]]:
        return f"/api/v1/statuses/{item_id}/context", {}

    def rate_headers(self, remaining: int) -> dict[str, str]:
        reset = datetime.now(UTC) + timedelta(seconds=self.reset_in if remaining == 0 else 300)
        return {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": reset.isoformat().replace("+00:00", "Z")}

    def new_id(self, at: datetime, parent: str | None, author: str) -> str:
        # Mastodon ids are snowflakes: milliseconds since the epoch, shifted, plus a sequence.
        return str((int(at.timestamp() * 1000) << 16) + self.serial % 65536)

    def _account(self, author: str) -> dict[str, Any]:
        own = author == self.own_name
        number = self.OWN_ID if own else str(1000 + RESIDENTS.index(author))
        acct = author if own else f"{author}@mastodon.nl"
        return {"id": number, "username": author, "acct": acct, "display_name": "Gemeente Lindeveen" if own else
                author.capitalize(), "locked": False, "bot": False, "created_at": "2022-03-01T00:00:00.000Z",
                "note": "", "url": f"https://social.example/@{author}", "avatar": "", "followers_count": 12000 if own
                else 200, "following_count": 10, "statuses_count": 100, "fields": [], "emojis": []}

    def _status(self, item_id: str, at: datetime, author: str, content: str, parent: str | None,
                tags: list[str]) -> dict[str, Any]:
        return {
            "id": item_id, "created_at": _iso_z(at), "in_reply_to_id": parent,
            "in_reply_to_account_id": self._account(self.authors[parent])["id"] if parent else None,
            "sensitive": False, "spoiler_text": "", "visibility": "public", "language": "nl",
            "uri": f"https://social.example/users/{author}/statuses/{item_id}",
            "url": f"https://social.example/@{author}/{item_id}", "replies_count": 0, "reblogs_count": 0,
            "favourites_count": self.rng.randint(0, 9), "edited_at": None, "content": content, "reblog": None,
            "account": self._account(author), "media_attachments": [], "mentions": [],
            "tags": [{"name": t, "url": f"https://social.example/tags/{t}"} for t in tags], "emojis": [],
            "card": None, "poll": None,
        }

    def make_post(self, item_id: str, at: datetime, author: str, text: str) -> dict[str, Any]:
        content = (f"<p>{html.escape(text)} <a href=\"https://social.example/tags/lindeveen\" class=\"mention hashtag\" "
                   f"rel=\"tag\">#<span>lindeveen</span></a></p>")
        return self._status(item_id, at, author, content, None, ["lindeveen"])

    def make_reply(self, item_id: str, at: datetime, author: str, text: str, parent: str) -> dict[str, Any]:
        to = self.authors[parent]
        content = (f"<p><span class=\"h-card\"><a href=\"https://social.example/@{to}\" class=\"u-url mention\">"
                   f"@<span>{to}</span></a></span> {html.escape(text)}</p>")
        return self._status(item_id, at, author, content, parent, [])

    def threaded(self, item_id: str) -> bool:
        return self.authors[item_id] == self.own_name  # the conversations of the municipality's own posts

    def listing_ids(self, name: str) -> list[str]:
        if name == "account":  # statuses of the own account: its posts and its replies
            return [i for i, a in self.authors.items() if a == self.own_name]
        return self.listings[name]

    def conversation(self, item_id: str) -> list[str]:
        return self.ancestors(item_id) + super().conversation(item_id)

    def newest(self, listing: str) -> list[str]:
        return sorted(self.listing_ids(listing), key=int, reverse=True)

    def _timeline(self, listing: str, path: str) -> Any:
        def answer(request: Request) -> Reply:
            limit = int(_arg(request, "limit", "20"))
            ids = self.newest(listing)
            max_id = _arg(request, "max_id")
            start = next((n for n, i in enumerate(ids) if int(i) < int(max_id)), len(ids)) if max_id else 0
            chunk, _ = self.page(listing, start, limit)
            headers = {}
            if len(chunk) == limit:
                headers["Link"] = (f'<{{base}}{path}?limit={limit}&max_id={chunk[-1]}>; rel="next", '
                                   f'<{{base}}{path}?limit={limit}&min_id={chunk[0]}>; rel="prev"')
            return Reply([self.payloads[i] for i in chunk], headers=headers)

        return answer

    def _context(self, request: Request) -> Reply:
        item_id = request.path.split("/")[-2]
        if item_id not in self.payloads:
            return Reply({"error": "Record not found"}, 404)
        descendants = self._tree(item_id)
        if "Authorization" not in request.headers:
            descendants = descendants[:self.LOGGED_OUT_REPLIES]
        return Reply({"ancestors": [self.payloads[i] for i in self.ancestors(item_id)],
                      "descendants": [self.payloads[i] for i in descendants]})

    def _tree(self, item_id: str) -> list[str]:
        """The replies below a status depth first, each status's replies oldest first (Mastodon's order)."""
        found = []
        for child in sorted(self.children[item_id], key=int):
            found += [child, *self._tree(child)]
        return found

    def tag_path(self, tag: str) -> str:
        return f"/api/v1/timelines/tag/{tag}"

    def serve(self, api: FakeApi) -> None:
        for name in list(self.listings):
            if name.startswith("tag:"):
                api.add(self.tag_path(name[4:]), self.metered(self._timeline(name, self.tag_path(name[4:]))))
        api.add("/api/v1/accounts/lookup", self._account(self.own_name), params={"acct": self.own_name})
        api.add("/api/v1/accounts/lookup", {"error": "Record not found"}, status=404)
        statuses = f"/api/v1/accounts/{self.OWN_ID}/statuses"
        api.add(statuses, self.metered(self._timeline("account", statuses)))
        context = self.metered(self._context)
        for item_id in self.payloads:
            api.add(f"/api/v1/statuses/{item_id}/context", context)


# --- Bluesky -------------------------------------------------------------------------------------------------

class Bluesky(World):
    """Bluesky's XRPC API: searchPosts (sort=latest, an offset cursor), getAuthorFeed (a time cursor) and
    getPostThread (the tree of replies, and the parents of the post asked for)."""

    kind = platform = "bluesky"
    page_size = 100
    own_name = "gemeentelindeveen.bsky.social"
    env = {"BLUESKY_APP_PASSWORD": "abcd-efgh-ijkl-mnop"}
    DIDS = {name: f"did:plc:{name.replace('_', '')}{n}" for n, name in enumerate(RESIDENTS)}
    OWN_DID = "did:plc:gemeente9"
    MAIN = "search:Lindeveen"
    OTHERS = ["search:Oosterwolde", "search:Buitenpost"]

    def settings_for(self, listings: list[str]) -> dict[str, Any]:
        return {"identifier": self.own_name, "search": [n[7:] for n in listings if n.startswith("search:")],
                **({"accounts": [self.own_name]} if "account" in listings else {})}

    def route_of(self, listing: str) -> tuple[str, dict[str, str]]:
        return "/xrpc/app.bsky.feed.searchPosts", {"q": listing[7:]}

    def thread_route(self, item_id: str) -> tuple[str, dict[str, str]]:
        return "/xrpc/app.bsky.feed.getPostThread", {"uri": item_id}

    def error(self, status: int) -> Reply:
        return Reply({"error": "NotFound" if status == 404 else "InternalServerError",
                      "message": "Not Found" if status == 404 else "Internal Server Error"}, status)

    def rate_headers(self, remaining: int) -> dict[str, str]:
        # The atproto services send the IETF draft's RateLimit-* headers, the reset as an epoch time.
        reset = int(datetime.now(UTC).timestamp()) + (self.reset_in if remaining == 0 else 300)
        return {"RateLimit-Limit": "3000", "RateLimit-Remaining": str(remaining), "RateLimit-Reset": str(reset),
                "RateLimit-Policy": "3000;w=300"}

    def limited(self) -> Reply:
        return Reply({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, 429, self.rate_headers(0))

    def _did(self, author: str) -> str:
        return self.OWN_DID if author == self.own_name else self.DIDS[author]

    def new_id(self, at: datetime, parent: str | None, author: str) -> str:
        return f"at://{self._did(author)}/app.bsky.feed.post/3l{self.serial:011d}"

    def _view(self, item_id: str, at: datetime, author: str, text: str, parent: str | None) -> dict[str, Any]:
        record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": _iso_z(at), "langs": ["nl"]}
        if parent:
            root = (self.ancestors(parent) or [parent])[0]
            record["reply"] = {"root": {"uri": root, "cid": f"bafy{root[-8:]}"},
                               "parent": {"uri": parent, "cid": f"bafy{parent[-8:]}"}}
        indexed = at + timedelta(milliseconds=self.rng.randint(100, 2500))
        return {"uri": item_id, "cid": f"bafy{item_id[-8:]}",
                "author": {"did": self._did(author), "handle": author, "displayName": "Gemeente Lindeveen"
                           if author == self.own_name else author.capitalize(),
                           "avatar": "https://cdn.bsky.app/img/avatar/plain/x.jpg", "labels": [],
                           "createdAt": "2023-05-01T10:00:00.000Z"},
                "record": record, "replyCount": 0, "repostCount": 0, "likeCount": self.rng.randint(0, 20),
                "quoteCount": 0, "indexedAt": _iso_z(indexed), "labels": []}

    def make_post(self, item_id: str, at: datetime, author: str, text: str) -> dict[str, Any]:
        return self._view(item_id, at, author, text, None)

    def make_reply(self, item_id: str, at: datetime, author: str, text: str, parent: str) -> dict[str, Any]:
        return self._view(item_id, at, author, text, parent)

    def threaded(self, item_id: str) -> bool:
        return self.authors[item_id] == self.own_name

    def listing_ids(self, name: str) -> list[str]:
        if name == "account":
            return [i for i, a in self.authors.items() if a == self.own_name]
        return self.listings[name]

    def conversation(self, item_id: str) -> list[str]:
        return self.ancestors(item_id) + super().conversation(item_id)

    def newest(self, listing: str) -> list[str]:
        return sorted(self.listing_ids(listing), key=lambda i: (self.payloads[i]["indexedAt"], i), reverse=True)

    def _search(self, request: Request) -> Reply:
        listing = f"search:{_arg(request, 'q')}"
        limit = int(_arg(request, "limit", "25"))
        start = int(_arg(request, "cursor", "0"))
        chunk, more = self.page(listing, start, limit)
        body: dict[str, Any] = {"posts": [self.payloads[i] for i in chunk], "hitsTotal": len(self.listing_ids(listing))}
        if more:
            body["cursor"] = str(start + limit)
        return Reply(body)

    def _author_feed(self, request: Request) -> Reply:
        limit = int(_arg(request, "limit", "50"))
        ids = self.newest("account")
        cursor = _arg(request, "cursor")
        start = next((n for n, i in enumerate(ids) if self.payloads[i]["indexedAt"] < cursor), len(ids)) \
            if cursor else 0
        chunk, more = self.page("account", start, limit)
        body: dict[str, Any] = {"feed": [{"post": self.payloads[i]} for i in chunk]}
        if more:
            body["cursor"] = self.payloads[chunk[-1]]["indexedAt"]
        return Reply(body)

    def _node(self, item_id: str, depth: int) -> dict[str, Any]:
        node: dict[str, Any] = {"$type": "app.bsky.feed.defs#threadViewPost", "post": self.payloads[item_id]}
        if depth > 0:
            node["replies"] = [self._node(c, depth - 1) for c in sorted(self.children[item_id],
                                                                       key=lambda c: self.times[c])]
        return node

    def _thread(self, request: Request) -> Reply:
        uri = _arg(request, "uri")
        if uri not in self.payloads:
            return Reply({"error": "NotFound", "message": f"Post not found: {uri}"}, 400)
        node = self._node(uri, int(_arg(request, "depth", "6")))
        top = node
        for parent in reversed(self.ancestors(uri)):
            top["parent"] = {"$type": "app.bsky.feed.defs#threadViewPost", "post": self.payloads[parent]}
            top = top["parent"]
        return Reply({"thread": node})

    def serve(self, api: FakeApi) -> None:
        api.add("/xrpc/com.atproto.server.createSession", {
            "accessJwt": "eyJhbGciOiJIUzI1NiJ9.access-jwt-replay", "refreshJwt": "eyJ.refresh",
            "handle": self.own_name, "did": self.OWN_DID, "active": True}, method="POST")
        api.add("/xrpc/app.bsky.feed.searchPosts", self.metered(self._search))
        api.add("/xrpc/app.bsky.feed.getAuthorFeed", self.metered(self._author_feed))
        api.add("/xrpc/app.bsky.feed.getPostThread", self.metered(self._thread))


# --- Reddit --------------------------------------------------------------------------------------------------

class Reddit(World):
    """Reddit's OAuth API: /r/{sub}/search (sort=new, `after` the fullname of a page's last post) and
    /r/{sub}/comments/{id} (the post and its comment tree). Every answer carries X-Ratelimit headers."""

    kind = platform = "reddit"
    page_size = 100
    own_name = "gemeentelindeveen"
    env = {"REDDIT_CLIENT_SECRET": "reddit-client-secret-value"}
    SUB = "thenetherlands"
    MAIN = "thenetherlands:Lindeveen"
    OTHERS = ["friesland:Lindeveen", "lindeveen:Lindeveen"]

    def accounts(self) -> dict[str, list[str]]:
        return {}

    def settings_for(self, listings: list[str]) -> dict[str, Any]:
        subs = list(dict.fromkeys(f"r/{n.split(':')[0]}" for n in listings))
        return {"client_id": "abc123client", "auth_url": "{base}", "subreddits": subs, "search": ["Lindeveen"]}

    def route_of(self, listing: str) -> tuple[str, dict[str, str]]:
        return f"/r/{listing.split(':')[0]}/search", {}

    def thread_route(self, item_id: str) -> tuple[str, dict[str, str]]:
        return f"/r/{self.payloads[item_id]['data']['subreddit']}/comments/{item_id[3:]}", {}

    def error(self, status: int) -> Reply:
        return Reply({"message": "Not Found" if status == 404 else "Internal Server Error", "error": status}, status)

    def rate_headers(self, remaining: int) -> dict[str, str]:
        # Reddit: requests used and left in this window (a float), and the seconds until it ends.
        return {"X-Ratelimit-Used": str(600 - remaining), "X-Ratelimit-Remaining": f"{remaining:.1f}",
                "X-Ratelimit-Reset": str(self.reset_in if remaining == 0 else 420)}

    def limited(self) -> Reply:
        return Reply({"message": "Too Many Requests", "error": 429}, 429, self.rate_headers(0))

    def post(self, listings: str | Iterable[str], at: datetime, *, own: bool = False) -> str:
        item_id = super().post(listings, at, own=own)
        sub = next(iter([listings] if isinstance(listings, str) else listings), self.MAIN).split(":")[0]
        data = self.payloads[item_id]["data"]
        data |= {"subreddit": sub, "permalink": f"/r/{sub}/comments/{data['id']}/x/",
                 "url": f"https://www.reddit.com/r/{sub}/comments/{data['id']}/x/"}
        return item_id

    def new_id(self, at: datetime, parent: str | None, author: str) -> str:
        return f"{'t1' if parent else 't3'}_{_base36(1_000_000 + self.serial)}"

    def make_post(self, item_id: str, at: datetime, author: str, text: str) -> dict[str, Any]:
        short = item_id[3:]
        return {"kind": "t3", "data": {
            "id": short, "name": item_id, "subreddit": self.SUB, "author": author, "author_fullname": f"t2_{author}",
            "title": text, "selftext": "", "created_utc": float(int(at.timestamp())), "score": self.rng.randint(0, 50),
            "num_comments": 0, "permalink": f"/r/{self.SUB}/comments/{short}/x/",
            "url": f"https://www.reddit.com/r/{self.SUB}/comments/{short}/x/", "over_18": False}}

    def make_reply(self, item_id: str, at: datetime, author: str, text: str, parent: str) -> dict[str, Any]:
        root = (self.ancestors(parent) or [parent])[0]
        return {"kind": "t1", "data": {
            "id": item_id[3:], "name": item_id, "link_id": root, "parent_id": parent, "author": author,
            "author_fullname": f"t2_{author}", "body": text, "created_utc": float(int(at.timestamp())), "score": 1,
            "permalink": f"/r/{self.SUB}/comments/{root[3:]}/x/{item_id[3:]}/", "replies": ""}}

    def _listing(self, children: list[dict[str, Any]], after: str | None = None) -> dict[str, Any]:
        return {"kind": "Listing", "data": {"after": after, "dist": len(children), "modhash": "", "geo_filter": "",
                                            "children": children, "before": None}}

    def _search(self, request: Request) -> Reply:
        sub = request.path.split("/")[2]
        listing = f"{sub}:{_arg(request, 'q')}"
        limit = int(_arg(request, "limit", "25"))
        ids = self.newest(listing)
        after = _arg(request, "after")
        start = ids.index(after) + 1 if after in ids else 0
        chunk, more = self.page(listing, start, limit)
        return Reply(self._listing([self.payloads[i] for i in chunk], chunk[-1] if more else None))

    def _tree(self, item_id: str) -> dict[str, Any]:
        thing = self.payloads[item_id]
        kids = sorted(self.children[item_id], key=lambda c: self.times[c], reverse=True)
        replies = self._listing([self._tree(c) for c in kids]) if kids else ""
        return {"kind": thing["kind"], "data": {**thing["data"], "replies": replies}}

    def _comments(self, request: Request) -> Reply:
        post = "t3_" + request.path.split("/")[4]
        if post not in self.payloads:
            return Reply({"message": "Not Found", "error": 404}, 404)
        kids = sorted(self.children[post], key=lambda c: self.times[c], reverse=True)
        data = {**self.payloads[post]["data"], "num_comments": len(self.conversation(post))}
        return Reply([self._listing([{"kind": "t3", "data": data}]), self._listing([self._tree(c) for c in kids])])

    def serve(self, api: FakeApi) -> None:
        api.add("/api/v1/access_token", {"access_token": "reddit-bearer-token-replay", "token_type": "bearer",
                                         "expires_in": 86400, "scope": "*"}, method="POST")
        for sub in {name.split(":")[0] for name in self.listings}:
            api.add(f"/r/{sub}/search", self.metered(self._search))
        comments = self.metered(self._comments)
        for item_id, thing in self.payloads.items():
            if item_id.startswith("t3_"):
                api.add(f"/r/{thing['data']['subreddit']}/comments/{item_id[3:]}", comments)


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while number:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
    return text or "0"


# --- YouTube -------------------------------------------------------------------------------------------------

class YouTube(World):
    """The YouTube Data API v3: search (order=date) and a channel's uploads playlist, paged by nextPageToken;
    commentThreads per video (at most five replies inline, the rest through comments?parentId=)."""

    kind = platform = "youtube"
    page_size = 50
    depth = 2  # a reply answers a top-level comment
    own_name = "Gemeente Lindeveen"
    env = {"YOUTUBE_API_KEY": "AIzaSyFakeKeyForReplays0"}
    CHANNEL = "UCgemeentelindeveen0000"
    MAIN = "search:Lindeveen"
    OTHERS = ["search:Oosterwolde", "uploads"]

    def __init__(self, seed: int = 7):
        super().__init__(seed)
        self.disabled: set[str] = set()  # videos with their comments turned off

    def accounts(self) -> dict[str, list[str]]:
        return {"youtube": ["GemeenteLindeveen"]}

    def settings_for(self, listings: list[str]) -> dict[str, Any]:
        return {"search": [n[7:] for n in listings if n.startswith("search:")],
                "channels": [self.CHANNEL] if "uploads" in listings else []}

    def route_of(self, listing: str) -> tuple[str, dict[str, str]]:
        if listing == "uploads":
            return "/playlistItems", {}
        return "/search", {"q": listing[7:]}

    def thread_route(self, item_id: str) -> tuple[str, dict[str, str]]:
        return "/commentThreads", {"videoId": item_id}

    def error(self, status: int) -> Reply:
        reason = "playlistNotFound" if status == 404 else "backendError"
        return Reply({"error": {"code": status, "message": "Not Found" if status == 404 else "Backend Error",
                                "errors": [{"message": reason, "domain": "youtube.api", "reason": reason}]}}, status)

    def new_id(self, at: datetime, parent: str | None, author: str) -> str:
        if parent is None:
            return f"vid{self.serial:08d}"
        if parent in self.parents:  # a reply: YouTube names it after its top-level comment
            return f"{parent}.r{self.serial:06d}"
        return f"Ugx{self.serial:08d}"

    def _channel(self, author: str) -> tuple[str, str]:
        if author == self.own_name:
            return self.CHANNEL, self.own_name
        return f"UC{author}00000000", author.capitalize()

    def make_post(self, item_id: str, at: datetime, author: str, text: str) -> dict[str, Any]:
        channel, title = self._channel(author)
        return {"kind": "youtube#searchResult", "etag": "e", "id": {"kind": "youtube#video", "videoId": item_id},
                "snippet": {"publishedAt": _iso_z(at, ms=False), "channelId": channel, "title": text,
                            "description": "Meer op de website.", "channelTitle": title, "thumbnails": {},
                            "liveBroadcastContent": "none", "publishTime": _iso_z(at, ms=False)}}

    def playlist_item(self, video: str) -> dict[str, Any]:
        search = self.payloads[video]["snippet"]
        at = search["publishedAt"]
        return {"kind": "youtube#playlistItem", "etag": "e", "id": f"UExp{video}",
                "snippet": {"publishedAt": at, "channelId": self.CHANNEL, "title": search["title"],
                            "description": search["description"], "thumbnails": {}, "channelTitle": self.own_name,
                            "playlistId": "UU" + self.CHANNEL[2:], "position": 0,
                            "resourceId": {"kind": "youtube#video", "videoId": video},
                            "videoOwnerChannelTitle": self.own_name, "videoOwnerChannelId": self.CHANNEL},
                "contentDetails": {"videoId": video, "videoPublishedAt": at}}

    def make_reply(self, item_id: str, at: datetime, author: str, text: str, parent: str) -> dict[str, Any]:
        video = self._video_of(parent)
        channel, _ = self._channel(author)
        snippet = {"channelId": channel, "videoId": video, "textDisplay": text, "textOriginal": text,
                   "authorDisplayName": "@" + author.replace(" ", "").lower(),
                   "authorChannelUrl": f"http://www.youtube.com/@{author.replace(' ', '').lower()}",
                   "authorChannelId": {"value": channel}, "canRate": True, "viewerRating": "none",
                   "likeCount": self.rng.randint(0, 5), "publishedAt": _iso_z(at, ms=False),
                   "updatedAt": _iso_z(at, ms=False)}
        if parent != video:
            snippet["parentId"] = parent
        return {"kind": "youtube#comment", "etag": "e", "id": item_id, "snippet": snippet}

    def _video_of(self, item_id: str) -> str:
        while item_id in self.parents:
            item_id = self.parents[item_id]
        return item_id

    def _token(self, offset: int) -> str:
        return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")

    def _offset(self, token: str | None) -> int:
        if not token:
            return 0
        return int(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().split(":")[1])

    def _list(self, kind: str, items: list[dict[str, Any]], start: int, limit: int, more: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"kind": f"youtube#{kind}ListResponse", "etag": "e", "regionCode": "NL",
                                "pageInfo": {"totalResults": start + len(items) + (1 if more else 0),
                                             "resultsPerPage": limit}, "items": items}
        if more:
            body["nextPageToken"] = self._token(start + limit)
        return body

    def _search(self, request: Request) -> Reply:
        listing = f"search:{_arg(request, 'q')}"
        limit = int(_arg(request, "maxResults", "5"))
        start = self._offset(_arg(request, "pageToken"))
        chunk, more = self.page(listing, start, limit)
        return Reply(self._list("search", [self.payloads[i] for i in chunk], start, limit, more))

    def _uploads(self, request: Request) -> Reply:
        listing = "uploads"
        limit = int(_arg(request, "maxResults", "5"))
        start = self._offset(_arg(request, "pageToken"))
        chunk, more = self.page(listing, start, limit)
        return Reply(self._list("playlistItem", [self.playlist_item(i) for i in chunk], start, limit, more))

    def _channels(self, request: Request) -> Reply:
        items = [{"kind": "youtube#channel", "etag": "e", "id": self.CHANNEL, "contentDetails": {
            "relatedPlaylists": {"likes": "", "uploads": "UU" + self.CHANNEL[2:]}}}] \
            if _arg(request, "id") == self.CHANNEL else []
        return Reply({"kind": "youtube#channelListResponse", "etag": "e",
                      "pageInfo": {"totalResults": len(items), "resultsPerPage": 5}, "items": items})

    def _threads(self, request: Request) -> Reply:
        video = _arg(request, "videoId")
        if video in self.disabled:
            return Reply({"error": {"code": 403, "message": "The video identified by the <code><a href=\"/youtube/v3/"
                                    "docs/commentThreads/list#videoId\">videoId</a></code> parameter has disabled "
                                    "comments.", "errors": [{"message": "disabled comments", "domain":
                                    "youtube.commentThread", "reason": "commentsDisabled"}]}}, 403)
        limit = int(_arg(request, "maxResults", "20"))
        start = self._offset(_arg(request, "pageToken"))
        tops = sorted(self.children[video], key=lambda c: self.times[c], reverse=True)
        chunk = tops[start:start + limit]
        items = []
        for top in chunk:
            replies = sorted(self.children[top], key=lambda c: self.times[c])
            thread: dict[str, Any] = {"kind": "youtube#commentThread", "etag": "e", "id": top, "snippet": {
                "channelId": self.payloads[top]["snippet"]["channelId"], "videoId": video,
                "topLevelComment": self.payloads[top], "canReply": True, "totalReplyCount": len(replies),
                "isPublic": True}}
            if replies:
                thread["replies"] = {"comments": [self.payloads[r] for r in replies[:5]]}
            items.append(thread)
        return Reply(self._list("commentThread", items, start, limit, start + limit < len(tops)))

    def _replies(self, request: Request) -> Reply:
        parent = _arg(request, "parentId")
        replies = sorted(self.children.get(parent, []), key=lambda c: self.times[c])
        limit = int(_arg(request, "maxResults", "20"))
        start = self._offset(_arg(request, "pageToken"))
        chunk = [self.payloads[r] for r in replies[start:start + limit]]
        return Reply(self._list("comment", chunk, start, limit, start + limit < len(replies)))

    def serve(self, api: FakeApi) -> None:
        api.add("/search", self._search)
        api.add("/channels", self._channels)
        api.add("/playlistItems", self._uploads)
        api.add("/commentThreads", self._threads)
        api.add("/comments", self._replies)


# --- Facebook and Instagram (Graph API) ------------------------------------------------------------------------

class _Graph(World):
    """Graph API lists: {"data": [...], "paging": {"cursors": {...}, "next": ...}}, `next` only while more follow;
    the cursor names the last item of the page (opaque, base64), and `next` carries the token as Graph's does."""

    TOKEN = ""
    THROTTLED = (4, "(#4) Application request limit reached")  # the error code and message of a used-up limit

    def rate_headers(self, remaining: int) -> dict[str, str]:
        used = 100 if remaining == 0 else max(0, 100 - remaining // 3)  # percentages of the limit
        return {"X-App-Usage": json.dumps({"call_count": used, "total_cputime": used // 2, "total_time": used // 2})}

    def limited(self) -> Reply:
        code, message = self.THROTTLED
        return Reply({"error": {"message": message, "type": "OAuthException", "is_transient": True, "code": code,
                                "fbtrace_id": "AbC"}}, 400, self.rate_headers(0))

    def error(self, status: int) -> Reply:
        if status == 404:
            return Reply({"error": {"message": "(#803) Some of the aliases you requested do not exist",
                                    "type": "OAuthException", "code": 803, "fbtrace_id": "AbC"}}, 404)
        return Reply({"error": {"message": "An unknown error has occurred.", "type": "OAuthException", "code": 1,
                                "is_transient": True, "fbtrace_id": "AbC"}}, status)

    def _cursor(self, item_id: str) -> str:
        return base64.b64encode(f"id:{item_id}".encode()).decode().rstrip("=")

    def _after(self, cursor: str | None) -> str | None:
        if not cursor:
            return None
        return base64.b64decode(cursor + "=" * (-len(cursor) % 4)).decode()[3:]

    def graph_page(self, request: Request, ids: list[str], render: Any, listing: str | None = None) -> Reply:
        limit = int(_arg(request, "limit", "25"))
        after = self._after(_arg(request, "after"))
        start = ids.index(after) + 1 if after in ids else 0
        if listing is not None:
            self.served[listing].append(start)
        chunk = ids[start:start + limit]
        body: dict[str, Any] = {"data": [render(i) for i in chunk]}
        if chunk:
            body["paging"] = {"cursors": {"before": self._cursor(chunk[0]), "after": self._cursor(chunk[-1])}}
            if start + limit < len(ids):
                params = {"access_token": self.TOKEN, **{k: v[0] for k, v in request.params.items()},
                          "after": self._cursor(chunk[-1])}
                body["paging"]["next"] = f"{{base}}{request.path}?{urlencode(params)}"
        return Reply(body)


class Facebook(_Graph):
    """A Facebook page: /{page}/posts (the page's own posts), /{post}/comments (filter=stream: comments and
    replies, newest first with order=reverse_chronological), /{page}/events."""

    kind = platform = "facebook"
    page_size = 100
    depth = 2
    own_posts = True
    own_name = "Gemeente Lindeveen"
    env = {"FACEBOOK_PAGE_TOKEN": "EAAGfakePageTokenReplay"}
    TOKEN = "EAAGfakePageTokenReplay"
    PAGE = "104000000000123"
    THROTTLED = (80001, "(#80001) There have been too many calls to this Page account. Wait a bit and try again.")
    MAIN = "posts"
    OTHERS = ["events"]

    def __init__(self, seed: int = 7):
        super().__init__(seed)
        self.events: dict[str, datetime] = {}  # event id → start time; what is posted on it: listing "event:{id}"

    def accounts(self) -> dict[str, list[str]]:
        return {"facebook": ["gemeentelindeveen"]}

    def settings_for(self, listings: list[str]) -> dict[str, Any]:
        return {"page_id": self.PAGE, "events": "events" in listings}

    def route_of(self, listing: str) -> tuple[str, dict[str, str]]:
        return f"/{self.PAGE}/{listing}", {}

    def listing_ids(self, name: str) -> list[str]:
        if name == "events":  # what is posted on the events that have not long passed
            return [i for e, start in self.events.items() if start >= FLOOR for i in self.listings[f"event:{e}"]]
        return self.listings[name]

    def threaded(self, item_id: str) -> bool:
        return item_id in self.listings["posts"]

    def _events(self, request: Request) -> Reply:
        events = sorted(self.events, key=lambda e: self.events[e], reverse=True)
        return self.graph_page(request, events, lambda e: {"id": e, "name": f"Evenement {e}",
                                                            "start_time": _graph_time(self.events[e])})

    def _event_feed(self, request: Request) -> Reply:
        event = request.path.strip("/").split("/")[0]
        return self.graph_page(request, self.newest(f"event:{event}"), lambda i: self.payloads[i])

    def new_id(self, at: datetime, parent: str | None, author: str) -> str:
        if parent is None:
            return f"{self.PAGE}_{5000 + self.serial}"
        post = parent.split("_")[1] if parent.startswith(self.PAGE) else parent.split("_")[0]
        return f"{post}_{90000 + self.serial}"

    def _from(self, author: str) -> dict[str, str]:
        if author == self.own_name:
            return {"name": self.own_name, "id": self.PAGE}
        return {"name": author.replace("_", " ").title(), "id": str(900 + RESIDENTS.index(author))}

    def make_post(self, item_id: str, at: datetime, author: str, text: str) -> dict[str, Any]:
        return {"id": item_id, "message": text, "created_time": _graph_time(at),
                "permalink_url": f"https://www.facebook.com/gemeentelindeveen/posts/{item_id.split('_')[1]}",
                "from": self._from(self.own_name),
                "comments": {"data": [], "summary": {"order": "ranked", "total_count": 0, "can_comment": True}},
                "reactions": {"data": [], "summary": {"total_count": self.rng.randint(0, 80),
                                                      "viewer_reaction": "NONE"}},
                "shares": {"count": self.rng.randint(0, 9)}}

    def make_reply(self, item_id: str, at: datetime, author: str, text: str, parent: str) -> dict[str, Any]:
        comment = {"id": item_id, "message": text, "created_time": _graph_time(at), "like_count": 0,
                   "comment_count": 0, "permalink_url": f"https://www.facebook.com/x?comment_id={item_id}",
                   "from": self._from(author)}
        if parent in self.parents:
            comment["parent"] = {"id": parent}
        return comment

    def newest_comments(self, post: str) -> list[str]:
        return sorted(self.conversation(post), key=lambda c: (self.times[c], c), reverse=True)

    def _posts(self, request: Request) -> Reply:
        return self.graph_page(request, self.newest("posts"), lambda i: self.payloads[i], "posts")

    def _comments(self, request: Request) -> Reply:
        post = request.path.strip("/").split("/")[0]
        return self.graph_page(request, self.newest_comments(post), lambda i: self.payloads[i])

    def serve(self, api: FakeApi) -> None:
        api.add(f"/{self.PAGE}/posts", self.metered(self._posts))
        api.add(f"/{self.PAGE}/events", self.metered(self._events))
        for event in self.events:
            api.add(f"/{event}/feed", self.metered(self._event_feed))
        comments = self.metered(self._comments)
        for item_id in self.listings["posts"]:
            api.add(f"/{item_id}/comments", comments)


class Instagram(_Graph):
    """An Instagram professional account: /{ig-user}/media and /{media}/comments with the replies of each comment
    (`replies{...}` in the fields)."""

    kind = platform = "instagram"
    page_size = 50
    depth = 2
    own_posts = True
    own_name = "gemeentelindeveen"
    env = {"INSTAGRAM_TOKEN": "IGQfakeInstagramReplay0"}
    TOKEN = "IGQfakeInstagramReplay0"
    ACCOUNT = "17841400000000001"
    MAIN = "media"

    def settings_for(self, listings: list[str]) -> dict[str, Any]:
        return {"account_id": self.ACCOUNT}

    def route_of(self, listing: str) -> tuple[str, dict[str, str]]:
        return f"/{self.ACCOUNT}/media", {}

    def new_id(self, at: datetime, parent: str | None, author: str) -> str:
        return str((17900000000000000 if parent is None else 18000000000000000) + self.serial)

    def make_post(self, item_id: str, at: datetime, author: str, text: str) -> dict[str, Any]:
        return {"id": item_id, "caption": text, "timestamp": _graph_time(at),
                "permalink": f"https://www.instagram.com/p/{item_id}/", "username": self.own_name,
                "like_count": self.rng.randint(0, 300), "comments_count": 0, "media_type": "IMAGE"}

    def make_reply(self, item_id: str, at: datetime, author: str, text: str, parent: str) -> dict[str, Any]:
        return {"id": item_id, "text": text, "timestamp": _graph_time(at), "username": author,
                "like_count": self.rng.randint(0, 3)}

    def _media(self, request: Request) -> Reply:
        return self.graph_page(request, self.newest("media"), lambda i: self.payloads[i], "media")

    def _comment(self, item_id: str) -> dict[str, Any]:
        replies = sorted(self.children[item_id], key=lambda c: self.times[c])
        comment = dict(self.payloads[item_id])
        if replies:
            comment["replies"] = {"data": [self.payloads[r] for r in replies]}
        return comment

    def _comments(self, request: Request) -> Reply:
        media = request.path.strip("/").split("/")[0]
        tops = sorted(self.children[media], key=lambda c: (self.times[c], c), reverse=True)
        return self.graph_page(request, tops, self._comment)

    def serve(self, api: FakeApi) -> None:
        api.add(f"/{self.ACCOUNT}/media", self.metered(self._media))
        comments = self.metered(self._comments)
        for item_id in self.listings["media"]:
            api.add(f"/{item_id}/comments", comments)


# --- RSS / Atom news -------------------------------------------------------------------------------------------

class News(World):
    """RSS 2.0 feeds of a regional broadcaster (the newest 50 articles each, some naming the municipality, with
    a wfw:commentRss comment feed) and the municipality's own Atom feed."""

    kind = platform = "news"
    own_name = ""
    floor_applies = False
    depth = 1
    FEED_SIZE = 50
    MAIN = "regio"
    OTHERS = ["politiek", "sport"]

    def __init__(self, seed: int = 7):
        super().__init__(seed)
        self.matching: set[str] = set()

    def settings_for(self, listings: list[str]) -> dict[str, Any]:
        return {"feeds": [self.feed_url(name) for name in listings if name != "own"],
                **({"own_feeds": [self.feed_url("own")]} if "own" in listings else {})}

    def route_of(self, listing: str) -> tuple[str, dict[str, str]]:
        return ("/nieuws.atom" if listing == "own" else f"/rss/{listing}.xml"), {}

    def thread_route(self, item_id: str) -> tuple[str, dict[str, str]]:
        return f"/rss/comments/{item_id}.xml", {}

    def error(self, status: int) -> Reply:
        return Reply(f"<html><body><h1>{status}</h1></body></html>", status, content_type="text/html")

    def feed_url(self, name: str) -> str:
        return "{base}/nieuws.atom" if name == "own" else f"{{base}}/rss/{name}.xml"

    def new_id(self, at: datetime, parent: str | None, author: str) -> str:
        return f"omroep-{self.serial}" if parent is None else f"{parent}-reactie-{self.serial}"

    def post(self, listings: str | Iterable[str], at: datetime, *, own: bool = False, about: bool = True) -> str:
        item_id = super().post(listings, at, own=own)
        if not about:  # regional news about another place: not kept
            title = f"Nieuwe rotonde in Buurdorp ({self.serial})"
            self.payloads[item_id] |= {"title": title, "description": f"<p>{title}.</p>"}
        elif "own" not in ([listings] if isinstance(listings, str) else listings):
            self.matching.add(item_id)  # an article naming the municipality, with a comment feed
        return item_id

    def make_post(self, item_id: str, at: datetime, author: str, text: str) -> dict[str, Any]:
        return {"title": text, "link": f"https://www.omroep.example/nieuws/{item_id}", "guid": item_id,
                "at": at, "author": "Redactie", "description": f"<p>{html.escape(text)}. Lees verder.</p>"}

    def make_reply(self, item_id: str, at: datetime, author: str, text: str, parent: str) -> dict[str, Any]:
        return {"title": f"Reactie van {author}", "link": f"https://www.omroep.example/nieuws/{parent}#{item_id}",
                "guid": item_id, "at": at, "author": author, "description": html.escape(text)}

    def listing_ids(self, name: str) -> list[str]:
        # Every article the feed has shown: tests harvest before one scrolls off the end of the feed.
        return [i for i in self.listings[name] if name == "own" or i in self.matching]

    def newest_all(self, name: str) -> list[str]:
        return sorted(self.listings[name], key=lambda i: self.times[i], reverse=True)

    def threaded(self, item_id: str) -> bool:
        return item_id in self.matching

    @property
    def own_ids(self) -> set[str]:
        return set(self.listings.get("own", []))

    def _rss_item(self, item_id: str, comments: bool) -> str:
        p = self.payloads[item_id]
        extra = ""
        if comments:
            extra = (f"<wfw:commentRss>{{base}}/rss/comments/{item_id}.xml</wfw:commentRss>"
                     f"<slash:comments>{len(self.children[item_id])}</slash:comments>")
        return (f"<item><title>{html.escape(p['title'])}</title><link>{p['link']}</link>"
                f"<guid isPermaLink=\"false\">{p['guid']}</guid>"
                f"<pubDate>{format_datetime(p['at'].astimezone(AMSTERDAM))}</pubDate>"
                f"<dc:creator>{html.escape(p['author'])}</dc:creator>"
                f"<description><![CDATA[{p['description']}]]></description>{extra}</item>")

    def _rss(self, title: str, items: str) -> str:
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
                'xmlns:slash="http://purl.org/rss/1.0/modules/slash/"><channel>'
                f"<title>{html.escape(title)}</title><link>https://www.omroep.example/</link>"
                f"<description>Nieuws uit de regio</description><language>nl</language>{items}</channel></rss>")

    def _feed(self, name: str) -> Any:
        def answer(request: Request) -> Reply:
            ids = self.newest_all(name)[:self.FEED_SIZE]
            self.served[name].append(0)
            if name == "own":
                return Reply(self._atom(ids), content_type="application/atom+xml")
            items = "".join(self._rss_item(i, i in self.matching) for i in ids)
            return Reply(self._rss(f"Omroep Regio - {name}", items), content_type="application/rss+xml")

        return answer

    def _atom(self, ids: list[str]) -> str:
        entries = "".join(
            f"<entry><title>{html.escape(self.payloads[i]['title'])}</title>"
            f"<id>https://www.lindeveen.example/nieuws/{i}</id>"
            f"<link href=\"https://www.lindeveen.example/nieuws/{i}\"/>"
            f"<published>{self.payloads[i]['at'].astimezone(AMSTERDAM).isoformat()}</published>"
            f"<updated>{self.payloads[i]['at'].astimezone(AMSTERDAM).isoformat()}</updated>"
            f"<summary type=\"html\">{html.escape(self.payloads[i]['description'])}</summary></entry>" for i in ids)
        return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="nl-NL">'
                "<title>Nieuws gemeente Lindeveen</title><id>https://www.lindeveen.example/nieuws</id>"
                f"<updated>{NOW.isoformat()}</updated>{entries}</feed>")

    def _comments(self, request: Request) -> Reply:
        article = request.path.rsplit("/", 1)[1].removesuffix(".xml")
        items = "".join(self._rss_item(c, False) for c in sorted(self.children[article], key=lambda c: self.times[c]))
        return Reply(self._rss(f"Reacties op {article}", items), content_type="application/rss+xml")

    def stored_id(self, item_id: str) -> str:
        """The id the adapter stores: an Atom entry's <id>, an RSS item's guid."""
        return f"https://www.lindeveen.example/nieuws/{item_id}" if item_id in self.own_ids else item_id

    def expected(self, listings: Iterable[str] | None = None, floor: datetime | None = None) -> set[str]:
        return {self.stored_id(i) for i in super().expected(listings, None)}

    def serve(self, api: FakeApi) -> None:
        for name in self.listings:
            path = "/nieuws.atom" if name == "own" else f"/rss/{name}.xml"
            api.add(path, self.metered(self._feed(name)))
        comments = self.metered(self._comments)
        for item_id in self.payloads:
            if item_id not in self.parents:
                api.add(f"/rss/comments/{item_id}.xml", comments)


WORLDS = [Mastodon, Bluesky, Reddit, YouTube, Facebook, Instagram, News]
LISTED = [Mastodon, Bluesky, Reddit, YouTube, Facebook, Instagram]  # the platforms whose listings page
