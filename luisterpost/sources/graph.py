"""Facebook pages and Instagram accounts the municipality administers, through the Graph API.

Facebook: the page's posts (/{page}/posts) with their comments and replies (/{post}/comments), and the page's
events with what is posted on them (/{event}/feed). Instagram: the account's media (/{account}/media) with
comments and replies (/{media}/comments). Lists page with `paging.next`; the token (a page access token)
goes in the Authorization header. Comments carry no link to their post, so the adapter adds one key,
`_on` (the post, media or event id), to the payload it keeps; the rest is the API's answer untouched."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from .apisource import ApiSource, parse_time
from .base import Batch, RawItem
from .http import SourceError, field, newest_first, unseen, utc_iso

FB_POST_FIELDS = ("id,message,created_time,permalink_url,from,shares,comments.summary(true).limit(0),"
                  "reactions.summary(true).limit(0)")
FB_COMMENT_FIELDS = "id,message,created_time,from,parent{id},like_count,comment_count,permalink_url"
IG_MEDIA_FIELDS = "id,caption,timestamp,permalink,username,like_count,comments_count,media_type"
IG_COMMENT_FIELDS = "id,text,timestamp,username,like_count,replies{id,text,timestamp,username,like_count}"


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
        self.open_client({"Authorization": f"Bearer {token}"})

    def _pages(self, path: str, params: dict[str, Any], what: str, on: str | None = None) -> Iterator[list[RawItem]]:
        """The pages of a Graph API list, following paging.next."""
        url: str | None = path
        query: dict[str, Any] | None = params
        for number in range(1, self.settings.max_pages + 1):
            page_what = f"{what} page {number}"
            data, _ = self.client.get_json(url, params=query, what=page_what)
            entries = field(data, "data", what=page_what)
            if not isinstance(entries, list):
                raise SourceError(f"{page_what}: data is not a list: the API's answer changed shape")
            items = []
            for entry in entries:
                if not isinstance(entry, dict) or not entry.get("id"):
                    raise SourceError(f"{page_what}: an item has no id: the API's answer changed shape")
                payload = {**entry, "_on": on} if on else entry
                items.append(RawItem(self.platform, str(entry["id"]), payload, f"{self.platform} {entry['id']}"))
            if items:
                yield items
            url = (data.get("paging") or {}).get("next")
            query = None  # the next URL carries them
            if not url or not items:
                return

    def _listing(self, query: str, path: str, params: dict[str, Any], what: str, watermarks: Mapping[str, str],
                 seen: set[str]) -> Iterator[Batch]:
        for batch in newest_first(query, self._pages(path, params, what), key=self._key,
                                  watermark=watermarks.get(query), when=self._when, since=self.since,
                                  reread_since=self.revisit_since):
            batch.items = unseen(batch.items, seen)
            yield batch

    def _all(self, path: str, params: dict[str, Any], what: str, on: str, seen: set[str]) -> list[RawItem]:
        found = [i for page in self._pages(path, params, what, on) for i in page]
        return unseen(found, seen)


class FacebookSource(_GraphSource):
    """A Facebook page: its posts with comments, its events with their posts. Watermarks: newest created_time."""

    platform = "facebook"

    def fetch(self, watermarks: Mapping[str, str]) -> Iterator[Batch]:
        self._open(f"Facebook page {self.settings.page_id} (a page access token)")
        page = quote(self.settings.page_id)
        seen: set[str] = set()
        posts: list[RawItem] = []
        params = {"fields": FB_POST_FIELDS, "limit": 100}
        for batch in self._listing("posts", f"{page}/posts", params, "page posts", watermarks, seen):
            posts += batch.items
            yield batch
        for post in posts:
            comments = self._all(f"{quote(post.id)}/comments",
                                 {"fields": FB_COMMENT_FIELDS, "filter": "stream", "order": "reverse_chronological",
                                  "limit": 100}, f"comments on post {post.id}", post.id, seen)
            yield Batch(f"comments:{post.id}", comments, None)
        if self.settings.events:
            events = [i for p in self._pages(f"{page}/events", {"fields": "id,name,start_time", "limit": 100},
                                             "page events") for i in p]
            for event in events:
                start = self._event_start(event)
                if start is not None and start < self.since:
                    continue  # an event long past: nothing new is posted on it
                feed = self._all(f"{quote(event.id)}/feed", {"fields": FB_POST_FIELDS, "limit": 100},
                                 f"posts on event {event.id}", event.id, seen)
                yield Batch(f"event:{event.id}", feed, None)

    @staticmethod
    def _event_start(event: RawItem) -> datetime | None:
        try:
            return parse_time(event.payload["start_time"])
        except (KeyError, TypeError, ValueError):
            return None

    def normalise(self, item: RawItem) -> dict[str, Any]:
        return normalise_facebook(item.payload)


class InstagramSource(_GraphSource):
    """An Instagram professional account: its media with comments and replies. Watermark: newest timestamp."""

    platform = "instagram"
    time_field = "timestamp"

    def fetch(self, watermarks: Mapping[str, str]) -> Iterator[Batch]:
        self._open(f"Instagram account {self.settings.account_id} (an access token)")
        seen: set[str] = set()
        media: list[RawItem] = []
        params = {"fields": IG_MEDIA_FIELDS, "limit": 50}
        for batch in self._listing("media", f"{quote(self.settings.account_id)}/media", params, "media",
                                   watermarks, seen):
            media += batch.items
            yield batch
        for item in media:
            comments = self._all(f"{quote(item.id)}/comments", {"fields": IG_COMMENT_FIELDS, "limit": 50},
                                 f"comments on media {item.id}", item.id, seen)
            replies = []
            for comment in comments:
                for reply in (comment.payload.get("replies") or {}).get("data", []):
                    if isinstance(reply, dict) and reply.get("id") and reply["id"] not in seen:
                        seen.add(reply["id"])
                        payload = {**reply, "_on": item.id, "_parent": comment.id}
                        replies.append(RawItem("instagram", reply["id"], payload, f"instagram {reply['id']}"))
            yield Batch(f"comments:{item.id}", comments + replies, None)

    def normalise(self, item: RawItem) -> dict[str, Any]:
        return normalise_instagram(item.payload)
