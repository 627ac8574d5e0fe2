"""Reddit: search in the configured subreddits, and the comments under every matching post.

API: OAuth client credentials (POST /api/v1/access_token on www.reddit.com, the documented login host), then
oauth.reddit.com /r/{sub}/search (a Listing, newest first with sort=new, paged by `after`) and
/r/{sub}/comments/{id}."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

from pydantic import Field

from .apisource import ApiSource
from .base import Batch, Gone, Query, RawItem
from .payload import decode_json, field
from .errors import SourceError
from .listing import Page, utc_iso
from .settings import HttpSourceSettings

REDDIT = "https://www.reddit.com"
# Search shows a new post minutes, at times hours, after it is made: each run reads the search this far below the
# newest post read before.
SEARCH_DELAY = timedelta(hours=3)


class RedditSettings(HttpSourceSettings):
    kind: Literal["reddit"]
    base_url: str = "https://oauth.reddit.com"
    auth_url: str = "https://www.reddit.com"  # where the app logs in; its secret goes only there
    client_id: str
    subreddits: list[str] = Field(min_length=1)
    search: list[str] = Field(min_length=1)
    secret: str | None = "reddit-client-secret"


def _created(data: Mapping[str, Any]) -> str:
    return datetime.fromtimestamp(float(data["created_utc"]), UTC).isoformat()


def normalise_thing(thing: Mapping[str, Any]) -> dict[str, Any]:
    """One Reddit post (t3) or comment (t1) as a mention (Mentions JSONL v1)."""
    kind, data = thing["kind"], thing["data"]
    mention = {
        "platform": "reddit",
        "id": data["name"],
        "created_at": _created(data),
        "author_handle": data["author"],
        "author_id": data.get("author_fullname"),
        "url": REDDIT + data["permalink"] if data.get("permalink") else None,
        "likes": max(int(data.get("score") or 0), 0),
    }
    if kind == "t3":
        text = data["title"] + (f"\n\n{data['selftext']}" if data.get("selftext") else "")
        return mention | {"text": text, "conversation_id": data["name"], "replies": data.get("num_comments")}
    if kind == "t1":
        return mention | {"text": data["body"], "in_reply_to_id": data["parent_id"], "conversation_id": data["link_id"]}
    raise ValueError(f"unknown kind {kind!r}")


def _when(item: RawItem) -> datetime:
    return datetime.fromtimestamp(float(item.payload["data"]["created_utc"]), UTC)


def _key(item: RawItem) -> str:
    return utc_iso(_when(item))


def _legacy(value: str) -> str:
    # Older versions kept created_utc as a number.
    return utc_iso(datetime.fromtimestamp(float(value), UTC))


def _things(listing: Any, what: str) -> list[dict[str, Any]]:
    children = field(listing, "data", "children", what=what)
    if not isinstance(children, list):
        raise SourceError(f"{what}: data.children is not a list: the API's answer changed shape")
    return children


# What Reddit shows instead of the words of a post or comment its writer deleted, or a moderator removed.
TOMBSTONES = {"[deleted]", "[removed]"}


def removed(thing: Mapping[str, Any]) -> bool:
    """Whether a post (t3) or comment (t1) is gone from the public: deleted by its writer or removed by a
    moderator. An author shown as [deleted] alone is not: the account was closed, the words are still up."""
    data = thing.get("data") if isinstance(thing, Mapping) else None
    if not isinstance(data, Mapping):
        return False
    text = data.get("body") if thing.get("kind") == "t1" else data.get("selftext")
    return text in TOMBSTONES or bool(data.get("removed_by_category"))


class RedditSource(ApiSource):
    """Reads Reddit with an app's client credentials. Watermarks: what was read per subreddit and term."""

    platform = "reddit"
    settings: RedditSettings

    def open(self, watermarks: Mapping[str, str]) -> list[Query]:
        secret = self.secret("Reddit (the app's client secret)")
        login = self.open_client(base_url=self.settings.auth_url, credentials=True)
        response = login.request("POST", "api/v1/access_token", what="Reddit login",
                                 data={"grant_type": "client_credentials"}, auth=(self.settings.client_id, secret))
        token = decode_json(response, "Reddit login").get("access_token")
        if not token:
            raise SourceError("Reddit login: the answer has no access_token (check client_id and the secret)")
        self.secrets.append(token)
        self.open_client({"Authorization": f"bearer {token}"}, credentials=True)
        queries = []
        for sub in self.settings.subreddits:
            sub = sub.removeprefix("r/").strip("/")
            for term in self.settings.search:
                queries.append(self._search(sub, term))
        return queries

    def _search(self, sub: str, term: str) -> Query:
        what = f"r/{sub} search {term!r}"

        def fetch_page(after: dict[str, Any] | None, number: int) -> Page:
            page_what = f"{what} page {number}"
            params = {"q": term, "restrict_sr": "1", "sort": "new", "limit": 100, "raw_json": 1, **(after or {})}
            listing, _ = self.client.get_json(f"r/{quote(sub)}/search", what=page_what, params=params)
            items = [self._item(t, page_what) for t in _things(listing, page_what) if t.get("kind") == "t3"]
            following = listing["data"].get("after")
            return Page(items, {"after": following} if following and items else None)

        return self.listing(f"r/{sub}:{term}", what, fetch_page, key=_key, when=_when, legacy=_legacy,
                            overlap=SEARCH_DELAY)

    @staticmethod
    def _item(thing: Any, what: str) -> RawItem:
        name = thing.get("data", {}).get("name") if isinstance(thing, dict) else None
        if not name:
            raise SourceError(f"{what}: an item has no data.name: the API's answer changed shape")
        return RawItem("reddit", name, thing, f"reddit {name}")

    def thread(self, item: RawItem) -> Query | None:
        """The comments under a post (every matching post: residents ask their questions there). One request;
        the post, or a comment, that it shows as deleted or removed is named as gone instead of stored."""
        if item.payload.get("kind") != "t3":
            return None
        sub = item.payload.get("data", {}).get("subreddit")
        path = f"r/{quote(sub)}/comments/" if sub else "comments/"
        what = f"comments of {item.id}"

        def read(_: str | None) -> Iterator[Batch]:
            listings, _ = self.client.get_json(path + quote(item.id.removeprefix("t3_")), what=what, expect=list,
                                               params={"sort": "new", "limit": 500, "raw_json": 1})
            if len(listings) < 2:
                raise SourceError(f"{what}: expected the post and its comments: the API's answer changed shape")
            posts = _things(listings[0], what)
            gone = [] if posts and not removed(posts[0]) else [Gone("reddit", item.id)]
            found: list[RawItem] = []
            stack = list(_things(listings[1], what))
            while stack:
                thing = stack.pop()
                if not isinstance(thing, dict) or thing.get("kind") != "t1":
                    continue  # "more": comments beyond what one request returns
                if removed(thing):  # its replies stay up: they are read on
                    name = thing.get("data", {}).get("name")
                    gone += [Gone("reddit", str(name))] if name else []
                else:
                    found.append(self._item(thing, what))
                replies = thing["data"].get("replies")
                if isinstance(replies, dict):
                    stack.extend(replies.get("data", {}).get("children", []))
            yield Batch(f"comments:{item.id}", found, None, gone=gone)

        return Query(f"comments:{item.id}", what, read)

    def normalise(self, item: RawItem) -> dict[str, Any]:
        return normalise_thing(item.payload)
