"""Bluesky: post search, the own accounts' posts and the threads under them.

API (XRPC): com.atproto.server.createSession (app password), app.bsky.feed.searchPosts,
app.bsky.feed.getAuthorFeed and app.bsky.feed.getPostThread; listings page with a `cursor`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from ..config import BlueskySettings
from .apisource import ApiSource, parse_time
from .base import Batch, RawItem
from .http import SourceError, field, newest_first, unseen, utc_iso


def post_url(post: Mapping[str, Any]) -> str | None:
    """The bsky.app address of a post (at://did/app.bsky.feed.post/rkey)."""
    uri = str(post.get("uri", ""))
    if "/app.bsky.feed.post/" not in uri:
        return None
    handle = post.get("author", {}).get("handle") or uri.split("/")[2]
    return f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[1]}"


def normalise_post(post: Mapping[str, Any]) -> dict[str, Any]:
    """One Bluesky post view as a mention (Mentions JSONL v1)."""
    record = post["record"]
    author = post["author"]
    reply = record.get("reply") or {}
    langs = record.get("langs") or [None]
    return {
        "platform": "bluesky",
        "id": post["uri"],
        "created_at": record["createdAt"],
        "author_handle": author["handle"],
        "author_id": author.get("did"),
        "author_name": author.get("displayName") or None,
        "text": record["text"],
        "url": post_url(post),
        "in_reply_to_id": (reply.get("parent") or {}).get("uri"),
        "conversation_id": (reply.get("root") or {}).get("uri") or post["uri"],
        "lang": langs[0],
        "likes": post.get("likeCount"),
        "reposts": post.get("repostCount"),
        "replies": post.get("replyCount"),
        "quotes": post.get("quoteCount"),
    }


def _key(item: RawItem) -> str:
    # When the network saw it: the order search and feeds list posts in (createdAt is what the client claims).
    return utc_iso(parse_time(item.payload.get("indexedAt") or item.payload["record"]["createdAt"]))


def _when(item: RawItem) -> datetime:
    return parse_time(_key(item))


class BlueskySource(ApiSource):
    """Reads Bluesky through the account's server. Watermarks: the newest indexedAt per search and account."""

    platform = "bluesky"
    settings: BlueskySettings

    def fetch(self, watermarks: Mapping[str, str]) -> Iterator[Batch]:
        password = self.secret(f"Bluesky login {self.settings.identifier}")
        client = self.open_client()
        response = client.request("POST", "xrpc/com.atproto.server.createSession", what="Bluesky login",
                                  json={"identifier": self.settings.identifier, "password": password})
        session = response.json() if response.content else {}
        token = session.get("accessJwt") if isinstance(session, dict) else None
        if not token:
            raise SourceError("Bluesky login: the answer has no accessJwt: the API's answer changed shape")
        self.secrets.append(token)
        client.http.headers["Authorization"] = f"Bearer {token}"
        seen: set[str] = set()
        for term in self.settings.search:
            query = f"search:{term}"
            params = {"q": term, "sort": "latest", "limit": 100,
                      "since": watermarks.get(query) or utc_iso(self.since)}
            pages = self._pages("xrpc/app.bsky.feed.searchPosts", params, "posts", f"search {term!r}")
            yield from self._batches(query, pages, watermarks, seen)
        for handle in self.settings.accounts:
            handle = handle.lstrip("@")
            query = f"account:{handle}"
            own: list[RawItem] = []
            params = {"actor": handle, "filter": "posts_with_replies", "limit": 100}
            pages = self._pages("xrpc/app.bsky.feed.getAuthorFeed", params, "feed", f"account @{handle}")
            for batch in self._batches(query, pages, watermarks, seen, reread=True):
                own += batch.items
                yield batch
            for item in own:
                yield from self._thread(item, seen)

    def _pages(self, path: str, params: dict[str, Any], key: str, what: str) -> Iterator[list[RawItem]]:
        cursor = None
        for number in range(1, self.settings.max_pages + 1):
            page_what = f"{what} page {number}"
            data, _ = self.client.get_json(path, params={**params, **({"cursor": cursor} if cursor else {})},
                                           what=page_what)
            entries = field(data, key, what=page_what)
            if not isinstance(entries, list):
                raise SourceError(f"{page_what}: {key} is not a list: the API's answer changed shape")
            items = []
            for entry in entries:
                if key == "feed":
                    if not isinstance(entry, dict) or entry.get("reason"):
                        continue  # a repost by the account, not its own words
                    entry = entry.get("post")
                items.append(self._item(entry, page_what))
            if items:
                yield items
            cursor = data.get("cursor")
            if not cursor or not entries:
                return

    @staticmethod
    def _item(post: Any, what: str) -> RawItem:
        if not isinstance(post, dict) or not post.get("uri"):
            raise SourceError(f"{what}: a post has no uri: the API's answer changed shape")
        return RawItem("bluesky", post["uri"], post, f"bluesky post {post['uri']}")

    def _batches(self, query: str, pages: Iterator[list[RawItem]], watermarks: Mapping[str, str], seen: set[str],
                 reread: bool = False) -> Iterator[Batch]:
        for batch in newest_first(query, pages, key=_key, watermark=watermarks.get(query), when=_when,
                                  since=self.since, reread_since=self.revisit_since if reread else None):
            batch.items = unseen(batch.items, seen)
            yield batch

    def _thread(self, item: RawItem, seen: set[str]) -> Iterator[Batch]:
        """The thread around an own post: what it replies to and every reply under it."""
        what = f"thread of {item.id}"
        data, _ = self.client.get_json("xrpc/app.bsky.feed.getPostThread",
                                       params={"uri": item.id, "depth": 20, "parentHeight": 20}, what=what)
        found: list[RawItem] = []
        stack = [field(data, "thread", what=what)]
        while stack:
            node = stack.pop()
            if not isinstance(node, dict) or "post" not in node:
                continue  # a deleted or blocked post: nothing to read
            found.append(self._item(node["post"], what))
            stack.append(node.get("parent"))
            stack.extend(node.get("replies") or [])
        yield Batch(f"thread:{item.id}", unseen(found, seen), None)

    def normalise(self, item: RawItem) -> dict[str, Any]:
        return normalise_post(item.payload)
