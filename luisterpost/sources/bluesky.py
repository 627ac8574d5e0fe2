"""Bluesky: post search, the own accounts' posts, and the thread around every post of an own account.

API (XRPC): com.atproto.server.createSession (app password), app.bsky.feed.searchPosts,
app.bsky.feed.getAuthorFeed and app.bsky.feed.getPostThread; listings page with a `cursor`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Literal

from .apisource import ApiSource
from .base import Batch, Gone, Query, RawItem
from .payload import decode_json, field
from .errors import HttpError, SourceError
from .listing import Page, parse_time, utc_iso
from .settings import HttpSourceSettings


class BlueskySettings(HttpSourceSettings):
    kind: Literal["bluesky"]
    base_url: str = "https://bsky.social"
    identifier: str  # the handle that logs in (with an app password)
    search: list[str] = []
    accounts: list[str] = []  # own accounts: their posts and the threads under them
    secret: str | None = "bluesky-app-password"


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


NOT_FOUND = "app.bsky.feed.defs#notFoundPost"


def _not_found(node: Mapping[str, Any]) -> bool:
    return node.get("$type") == NOT_FOUND or node.get("notFound") is True


class BlueskySource(ApiSource):
    """Reads Bluesky through the account's server. Watermarks: what was read per search and account."""

    platform = "bluesky"
    settings: BlueskySettings

    def open(self, watermarks: Mapping[str, str]) -> list[Query]:
        password = self.secret(f"Bluesky login {self.settings.identifier}")
        client = self.open_client(credentials=True)
        response = client.request("POST", "xrpc/com.atproto.server.createSession", what="Bluesky login",
                                  json={"identifier": self.settings.identifier, "password": password})
        session = decode_json(response, "Bluesky login")
        token = session.get("accessJwt")
        if not token:
            raise SourceError("Bluesky login: the answer has no accessJwt: the API's answer changed shape")
        self.secrets.append(token)
        client.http.headers["Authorization"] = f"Bearer {token}"
        self.own = self.own_handles(self.settings.accounts)
        queries = []
        for term in self.settings.search:
            queries.append(self._listing(f"search:{term}", f"search {term!r}", "xrpc/app.bsky.feed.searchPosts",
                                         {"q": term, "sort": "latest", "limit": 100}, "posts"))
        for handle in self.settings.accounts:
            handle = handle.lstrip("@")
            queries.append(self._listing(f"account:{handle}", f"account @{handle}", "xrpc/app.bsky.feed.getAuthorFeed",
                                         {"actor": handle, "filter": "posts_with_replies", "limit": 100}, "feed"))
        return queries

    def _listing(self, name: str, what: str, path: str, params: dict[str, Any], key: str) -> Query:
        def fetch_page(after: dict[str, Any] | None, number: int) -> Page:
            page_what = f"{what} page {number}"
            data, _ = self.client.get_json(path, params={**params, **(after or {})}, what=page_what)
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
            cursor = data.get("cursor")
            return Page(items, {"cursor": cursor} if cursor and entries else None)

        return self.listing(name, what, fetch_page, key=_key, when=_when)

    @staticmethod
    def _item(post: Any, what: str) -> RawItem:
        if not isinstance(post, dict) or not post.get("uri"):
            raise SourceError(f"{what}: a post has no uri: the API's answer changed shape")
        return RawItem("bluesky", post["uri"], post, f"bluesky post {post['uri']}")

    def thread(self, item: RawItem) -> Query | None:
        """The thread around a post of an own account: what it replies to and every reply under it. One request;
        the post itself, or a post in the thread, that the answer shows as not found is named as gone."""
        if not self.is_own(item, "author", "handle"):
            return None
        what = f"thread of {item.id}"

        def read(_: str | None) -> Iterator[Batch]:
            try:
                data, _ = self.client.get_json("xrpc/app.bsky.feed.getPostThread",
                                               params={"uri": item.id, "depth": 20, "parentHeight": 20}, what=what)
            except HttpError as exc:
                # The post itself is gone: the AppView answers 400 with the error name NotFound.
                if exc.status != 400 or exc.answer("error") != "NotFound":
                    raise
                yield Batch(f"thread:{item.id}", [], None, gone=[Gone("bluesky", item.id)])
                return
            found: list[RawItem] = []
            gone: list[Gone] = []
            stack = [field(data, "thread", what=what)]
            while stack:
                node = stack.pop()
                if not isinstance(node, dict):
                    continue
                if "post" not in node:
                    # A tombstone (notFoundPost) is a deleted post; a blocked post (blockedPost) is not.
                    if _not_found(node) and node.get("uri"):
                        gone.append(Gone("bluesky", str(node["uri"])))
                    continue
                found.append(self._item(node["post"], what))
                stack.append(node.get("parent"))
                stack.extend(node.get("replies") or [])
            yield Batch(f"thread:{item.id}", found, None, gone=gone)

        return Query(f"thread:{item.id}", what, read)

    def normalise(self, item: RawItem) -> dict[str, Any]:
        return normalise_post(item.payload)
