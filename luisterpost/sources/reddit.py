"""Reddit: search in the configured subreddits, and the comments under every matching post.

API: OAuth client credentials (POST /api/v1/access_token on www.reddit.com), then oauth.reddit.com
/r/{sub}/search (a Listing, newest first with sort=new, paged by `after`) and /r/{sub}/comments/{id}."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from ..config import RedditSettings
from .apisource import ApiSource
from .base import Batch, RawItem
from .http import SourceError, decode_json, field, newest_first, unseen

REDDIT = "https://www.reddit.com"


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


def _key(item: RawItem) -> float:
    return float(item.payload["data"]["created_utc"])


def _when(item: RawItem) -> datetime:
    return datetime.fromtimestamp(_key(item), UTC)


def _things(listing: Any, what: str) -> list[dict[str, Any]]:
    children = field(listing, "data", "children", what=what)
    if not isinstance(children, list):
        raise SourceError(f"{what}: data.children is not a list: the API's answer changed shape")
    return children


class RedditSource(ApiSource):
    """Reads Reddit with an app's client credentials. Watermarks: the newest created_utc per subreddit and term."""

    platform = "reddit"
    settings: RedditSettings

    def fetch(self, watermarks: Mapping[str, str]) -> Iterator[Batch]:
        secret = self.secret("Reddit (the app's client secret)")
        login = self.open_client(base_url=self.settings.auth_url)
        response = login.request("POST", "api/v1/access_token", what="Reddit login",
                                 data={"grant_type": "client_credentials"}, auth=(self.settings.client_id, secret))
        token = decode_json(response, "Reddit login").get("access_token")
        if not token:
            raise SourceError("Reddit login: the answer has no access_token (check client_id and the secret)")
        self.secrets.append(token)
        self.open_client({"Authorization": f"bearer {token}"})
        seen: set[str] = set()
        for sub in self.settings.subreddits:
            sub = sub.removeprefix("r/").strip("/")
            for term in self.settings.search:
                query = f"r/{sub}:{term}"
                posts: list[RawItem] = []
                watermark = watermarks.get(query)
                pages = self._search(sub, term, f"r/{sub} search {term!r}")
                for batch in newest_first(query, pages, key=_key, watermark=float(watermark) if watermark else None,
                                          when=_when, since=self.since, reread_since=self.revisit_since,
                                          to_text=repr):
                    batch.items = unseen(batch.items, seen)
                    posts += batch.items
                    yield batch
                for post in posts:
                    yield self._comments(sub, post, seen)

    def _search(self, sub: str, term: str, what: str) -> Iterator[list[RawItem]]:
        after = None
        for number in range(1, self.settings.max_pages + 1):
            page_what = f"{what} page {number}"
            params = {"q": term, "restrict_sr": "1", "sort": "new", "limit": 100, "raw_json": 1}
            listing, _ = self.client.get_json(f"r/{quote(sub)}/search", what=page_what,
                                              params={**params, **({"after": after} if after else {})})
            items = [self._item(t, page_what) for t in _things(listing, page_what) if t.get("kind") == "t3"]
            if items:
                yield items
            after = listing["data"].get("after")
            if not after or not items:
                return

    @staticmethod
    def _item(thing: Any, what: str) -> RawItem:
        name = thing.get("data", {}).get("name") if isinstance(thing, dict) else None
        if not name:
            raise SourceError(f"{what}: an item has no data.name: the API's answer changed shape")
        return RawItem("reddit", name, thing, f"reddit {name}")

    def _comments(self, sub: str, post: RawItem, seen: set[str]) -> Batch:
        what = f"comments of {post.id}"
        listings, _ = self.client.get_json(f"r/{quote(sub)}/comments/{quote(post.id.removeprefix('t3_'))}",
                                           params={"sort": "new", "limit": 500, "raw_json": 1}, what=what, expect=list)
        if len(listings) < 2:
            raise SourceError(f"{what}: expected the post and its comments: the API's answer changed shape")
        found: list[RawItem] = []
        stack = list(_things(listings[1], what))
        while stack:
            thing = stack.pop()
            if not isinstance(thing, dict) or thing.get("kind") != "t1":
                continue  # "more": comments beyond what one request returns
            found.append(self._item(thing, what))
            replies = thing["data"].get("replies")
            if isinstance(replies, dict):
                stack.extend(replies.get("data", {}).get("children", []))
        return Batch(f"comments:{post.id}", unseen(found, seen), None)

    def normalise(self, item: RawItem) -> dict[str, Any]:
        return normalise_thing(item.payload)
