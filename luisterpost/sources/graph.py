"""Facebook pages and Instagram accounts the municipality administers, through the Graph API.

Facebook: the page's posts (/{page}/posts) with their comments and replies (/{post}/comments), and the page's
events with what is posted on them (/{event}/feed). Instagram: the account's media (/{account}/media) with
comments and replies (/{media}/comments). Lists page with `paging.next`; the token (a page access token)
goes in the Authorization header. Comments carry no link to their post, so the adapter adds one key,
`_on` (the post, media or event id), to the payload it keeps; the rest is the API's answer untouched."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

from .apisource import ApiSource
from .base import Batch, Gone, Query, RawItem
from .payload import field
from .errors import HttpError, SourceError, SourceStopped
from .listing import Page, parse_time, utc_iso
from .settings import HttpSourceSettings

FB_POST_FIELDS = ("id,message,created_time,permalink_url,from,shares,comments.summary(true).limit(0),"
                  "reactions.summary(true).limit(0)")
FB_COMMENT_FIELDS = "id,message,created_time,from,parent{id},like_count,comment_count,permalink_url"
IG_MEDIA_FIELDS = "id,caption,timestamp,permalink,username,like_count,comments_count,media_type"
IG_COMMENT_FIELDS = "id,text,timestamp,username,like_count,replies{id,text,timestamp,username,like_count}"
# The Graph API's rate-limit errors, by the code their message starts with: the app's (4), a user's (17), a page's
# (32), a custom (613) and a business use case's (80000-80099) limit.
THROTTLED = re.compile(r"\(#(?:4|17|32|613|800\d\d)\)")


class FacebookSettings(HttpSourceSettings):
    kind: Literal["facebook"]
    base_url: str = "https://graph.facebook.com/v21.0"
    page_id: str
    events: bool = True  # the page's events and what is posted on them
    secret: str | None = "facebook-page-token"

    def _label(self) -> str:
        return self.page_id


class InstagramSettings(HttpSourceSettings):
    kind: Literal["instagram"]
    base_url: str = "https://graph.facebook.com/v21.0"
    account_id: str  # the Instagram professional account's id
    secret: str | None = "instagram-token"

    def _label(self) -> str:
        return self.account_id


def _count(value: Any, *path: str) -> int | None:
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value if isinstance(value, int) else None


def normalise_facebook(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A Facebook post or comment as a mention (Mentions JSONL v1). Without the permission to see who wrote
    a comment, the Graph API leaves `from` out; the author is then 'onbekend'."""
    author = payload.get("from") or {}
    on = payload.get("_on")
    return {
        "platform": "facebook",
        "id": payload["id"],
        "created_at": payload["created_time"],
        "author_handle": author.get("name") or author.get("id") or "onbekend",
        "author_id": author.get("id"),
        "author_name": author.get("name"),
        "text": payload.get("message") or "",
        "url": payload.get("permalink_url"),
        "in_reply_to_id": (payload.get("parent") or {}).get("id") or on,
        "conversation_id": on or payload["id"],
        "likes": _count(payload, "reactions", "summary", "total_count") or payload.get("like_count"),
        "replies": _count(payload, "comments", "summary", "total_count") or payload.get("comment_count"),
        "reposts": _count(payload, "shares", "count"),
    }


def normalise_instagram(payload: Mapping[str, Any]) -> dict[str, Any]:
    """An Instagram media item or comment as a mention (Mentions JSONL v1)."""
    on = payload.get("_on")
    is_comment = on is not None
    return {
        "platform": "instagram",
        "id": payload["id"],
        "created_at": payload["timestamp"],
        "author_handle": payload["username"],
        "text": (payload["text"] if is_comment else payload.get("caption")) or "",
        "url": payload.get("permalink"),
        "in_reply_to_id": payload.get("_parent") or on,
        "conversation_id": on or payload["id"],
        "likes": payload.get("like_count"),
        "replies": payload.get("comments_count"),
    }


class _GraphSource(ApiSource):
    time_field = "created_time"

    def _key(self, item: RawItem) -> str:
        return utc_iso(parse_time(item.payload[self.time_field]))

    def _when(self, item: RawItem) -> datetime:
        return parse_time(item.payload[self.time_field])

    def _open(self, needed_for: str) -> None:
        token = self.secret(needed_for)
        self.open_client({"Authorization": f"Bearer {token}"}, credentials=True)
        self.answered = False  # whether the API answered this run with data: the token and its permissions work

    def _comments(self, item: RawItem, what: str, read: Callable[[], list[RawItem]]) -> Iterator[Batch]:
        """The batch of the comments `read()` returns under a post or media item; when the Graph API says the item
        does not exist, the batch names it as gone, with its comments (they went with it)."""
        try:
            comments = read()
        except HttpError as exc:
            if not self._gone(exc):
                raise
            yield Batch(f"comments:{item.id}", [], None, gone=[Gone(self.platform, item.id, True)])
            return
        yield Batch(f"comments:{item.id}", comments, None)

    def _gone(self, exc: HttpError) -> bool:
        # Code 100 with subcode 33 reads "does not exist, cannot be loaded due to missing permissions, or does not
        # support this operation": trusted as "deleted" only once this run's token was seen to read the page.
        return self.answered and exc.status in (400, 404) and exc.answer("error", "code") == 100 \
            and exc.answer("error", "error_subcode") == 33

    def _page(self, path: str, params: dict[str, Any], after: dict[str, Any] | None, what: str,
              on: str | None = None) -> Page:
        """One page of a Graph API list; `after` are the parameters of its paging.next link."""
        try:
            data, _ = self.client.get_json(path, params={**params, **(after or {})}, what=what)
        except SourceError as exc:
            if THROTTLED.search(str(exc)):  # every further call would be refused too, and extend the block
                raise SourceStopped(f"{exc}: the Graph API's rate limit is reached; the rest follows next run") from None
            raise
        self.answered = True
        entries = field(data, "data", what=what)
        if not isinstance(entries, list):
            raise SourceError(f"{what}: data is not a list: the API's answer changed shape")
        items = []
        for entry in entries:
            if not isinstance(entry, dict) or not entry.get("id"):
                raise SourceError(f"{what}: an item has no id: the API's answer changed shape")
            payload = {**entry, "_on": on} if on else entry
            items.append(RawItem(self.platform, str(entry["id"]), payload, f"{self.platform} {entry['id']}"))
        return self.page(items, (data.get("paging") or {}).get("next"), what)

    def _all(self, path: str, params: dict[str, Any], what: str, on: str | None = None) -> list[RawItem]:
        """Every item of a Graph API list (up to max_pages pages)."""
        found: list[RawItem] = []
        after = None
        for number in range(1, self.settings.max_pages + 1):
            page = self._page(path, params, after, f"{what} page {number}", on)
            found += page.items
            if page.error is not None:
                raise page.error
            if page.after is None:
                break
            after = page.after
        return found

    def _listing(self, name: str, path: str, params: dict[str, Any], what: str) -> Query:
        def fetch_page(after: dict[str, Any] | None, number: int) -> Page:
            return self._page(path, params, after, f"{what} page {number}")

        return self.listing(name, what, fetch_page, key=self._key, when=self._when)


class FacebookSource(_GraphSource):
    """A Facebook page: its posts with comments, its events with their posts. Watermarks: what was read."""

    platform = "facebook"
    settings: FacebookSettings

    def open(self, watermarks: Mapping[str, str]) -> list[Query]:
        self._open(f"Facebook page {self.settings.page_id} (a page access token)")
        page = quote(self.settings.page_id)
        queries = [self._listing("posts", f"{page}/posts", {"fields": FB_POST_FIELDS, "limit": 100}, "page posts")]
        if self.settings.events:
            queries.append(Query("events", "page events", self._events))
        return queries

    def _events(self, _: str | None) -> Iterator[Batch]:
        page = quote(self.settings.page_id)
        for event in self._all(f"{page}/events", {"fields": "id,name,start_time", "limit": 100}, "page events"):
            start = self._event_start(event)
            if start is not None and start < self.floor:
                continue  # an event long past: nothing new is posted on it
            feed = self._all(f"{quote(event.id)}/feed", {"fields": FB_POST_FIELDS, "limit": 100},
                             f"posts on event {event.id}", event.id)
            yield Batch(f"event:{event.id}", feed, None)

    @staticmethod
    def _event_start(event: RawItem) -> datetime | None:
        try:
            return parse_time(event.payload["start_time"])
        except (KeyError, TypeError, ValueError):
            return None

    def thread(self, item: RawItem) -> Query | None:
        """The comments (and replies) under a post of the page."""
        if item.payload.get("_on") is not None:
            return None
        what = f"comments on post {item.id}"

        def read(_: str | None) -> Iterator[Batch]:
            params = {"fields": FB_COMMENT_FIELDS, "filter": "stream", "order": "reverse_chronological", "limit": 100}
            path = f"{quote(item.id)}/comments"
            yield from self._comments(item, what, lambda: self._all(path, params, what, item.id))

        return Query(f"comments:{item.id}", what, read)

    def normalise(self, item: RawItem) -> dict[str, Any]:
        return normalise_facebook(item.payload)


class InstagramSource(_GraphSource):
    """An Instagram professional account: its media with comments and replies. Watermark: what was read."""

    platform = "instagram"
    time_field = "timestamp"
    settings: InstagramSettings

    def open(self, watermarks: Mapping[str, str]) -> list[Query]:
        self._open(f"Instagram account {self.settings.account_id} (an access token)")
        return [self._listing("media", f"{quote(self.settings.account_id)}/media",
                              {"fields": IG_MEDIA_FIELDS, "limit": 50}, "media")]

    def thread(self, item: RawItem) -> Query | None:
        """The comments under a media item, and the replies to them."""
        if item.payload.get("_on") is not None:
            return None
        what = f"comments on media {item.id}"

        def comments() -> list[RawItem]:
            found = self._all(f"{quote(item.id)}/comments", {"fields": IG_COMMENT_FIELDS, "limit": 50}, what, item.id)
            replies = []
            for comment in found:
                for reply in (comment.payload.get("replies") or {}).get("data", []):
                    if isinstance(reply, dict) and reply.get("id"):
                        payload = {**reply, "_on": item.id, "_parent": comment.id}
                        replies.append(RawItem("instagram", reply["id"], payload, f"instagram {reply['id']}"))
            return found + replies

        def read(_: str | None) -> Iterator[Batch]:
            yield from self._comments(item, what, comments)

        return Query(f"comments:{item.id}", what, read)

    def normalise(self, item: RawItem) -> dict[str, Any]:
        return normalise_instagram(item.payload)
