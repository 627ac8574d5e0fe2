"""YouTube Data API v3: videos matching the terms and the uploads of configured channels, with their comments.

Endpoints: search (100 quota units a call), channels, playlistItems, commentThreads and comments (1 unit
each). The source keeps its own count of units used per day (Pacific time, when Google resets the quota)
and stops, saying so, before it would go over `daily_quota`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..config import YouTubeSettings
from .apisource import ApiSource, parse_time
from .base import Batch, RawItem
from .http import SourceError, field, newest_first, unseen, utc_iso

COST = {"search": 100, "channels": 1, "playlistItems": 1, "commentThreads": 1, "comments": 1}
QUOTA_DAY = ZoneInfo("America/Los_Angeles")


class QuotaReached(Exception):
    """The next call would go over the day's quota."""


def _video_id(payload: Mapping[str, Any]) -> str:
    if payload.get("kind") == "youtube#playlistItem":
        return payload["contentDetails"]["videoId"]
    return payload["id"]["videoId"]


def normalise_item(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A video (search result or playlist item) or a comment as a mention (Mentions JSONL v1)."""
    snippet = payload["snippet"]
    if payload.get("kind") == "youtube#comment":
        video = snippet.get("videoId")
        return {
            "platform": "youtube", "id": payload["id"], "created_at": snippet["publishedAt"],
            "author_handle": snippet["authorDisplayName"],
            "author_id": (snippet.get("authorChannelId") or {}).get("value"),
            "text": snippet.get("textOriginal") or snippet["textDisplay"],
            "url": f"https://www.youtube.com/watch?v={video}&lc={payload['id']}" if video else None,
            "in_reply_to_id": snippet.get("parentId") or video, "conversation_id": video,
            "likes": snippet.get("likeCount"),
        }
    video = _video_id(payload)
    published = _published(payload)
    description = snippet.get("description") or ""
    return {
        "platform": "youtube", "id": video, "created_at": published,
        "author_handle": snippet.get("videoOwnerChannelTitle") or snippet["channelTitle"],
        "author_id": snippet.get("videoOwnerChannelId") or snippet.get("channelId"),
        "author_name": snippet.get("videoOwnerChannelTitle") or snippet["channelTitle"],
        "text": snippet["title"] + (f"\n\n{description}" if description else ""),
        "url": f"https://www.youtube.com/watch?v={video}", "conversation_id": video,
    }


def _published(payload: Mapping[str, Any]) -> str:
    return (payload.get("contentDetails") or {}).get("videoPublishedAt") or payload["snippet"]["publishedAt"]


def _key(item: RawItem) -> str:
    return utc_iso(parse_time(_published(item.payload)))


def _when(item: RawItem) -> datetime:
    return parse_time(_key(item))


class YouTubeSource(ApiSource):
    """Reads YouTube with an API key. Watermarks: the newest publishedAt per term and channel, and units used per day."""

    platform = "youtube"
    settings: YouTubeSettings

    def fetch(self, watermarks: Mapping[str, str]) -> Iterator[Batch]:
        key = self.secret("YouTube (an API key)")
        # The key travels in a header, never in the URL (URLs end up in logs and error messages).
        self.open_client({"X-Goog-Api-Key": key})
        self.day = self.now.astimezone(QUOTA_DAY).date().isoformat()
        self.quota_query = f"quota:{self.day}"
        self.used = int(watermarks.get(self.quota_query, 0))
        try:
            for batch in self._videos_and_comments(watermarks):
                yield batch
                yield Batch(self.quota_query, [], str(self.used))
        except QuotaReached:
            yield Batch(self.quota_query, [], str(self.used), [
                f"stopped for the daily quota: {self.used:,} of {self.settings.daily_quota:,} units used today "
                "(Pacific time); the rest follows when the quota resets"])

    def _call(self, endpoint: str, params: dict[str, Any], what: str) -> dict[str, Any]:
        cost = COST[endpoint]
        if self.used + cost > self.settings.daily_quota:
            raise QuotaReached
        try:
            data, _ = self.client.get_json(endpoint, params=params, what=what)
        except SourceError as exc:
            self.used += cost
            if "quota" in str(exc).lower():
                self.used = max(self.used, self.settings.daily_quota)  # Google says it is spent, whatever we counted
                raise QuotaReached from None
            raise
        self.used += cost
        return data

    def _videos_and_comments(self, watermarks: Mapping[str, str]) -> Iterator[Batch]:
        seen: set[str] = set()
        for term in self.settings.search:
            query = f"search:{term}"
            params = {"part": "snippet", "q": term, "type": "video", "order": "date", "maxResults": 50,
                      "publishedAfter": watermarks.get(query) or utc_iso(self.since), "relevanceLanguage": "nl"}
            yield from self._listing(query, "search", params, f"search {term!r}", watermarks, seen, reread=False)
        for channel in self.settings.channels:
            what = f"channel {channel}"
            data = self._call("channels", {"part": "contentDetails", "id": channel}, what)
            items = data.get("items") or []
            if not items:
                raise SourceError(f"{what}: no such channel (check the channel id, it starts with UC)")
            uploads = field(items[0], "contentDetails", "relatedPlaylists", "uploads", what=what)
            params = {"part": "snippet,contentDetails", "playlistId": uploads, "maxResults": 50}
            yield from self._listing(f"channel:{channel}", "playlistItems", params, what, watermarks, seen,
                                     reread=True)

    def _listing(self, query: str, endpoint: str, params: dict[str, Any], what: str, watermarks: Mapping[str, str],
                 seen: set[str], reread: bool) -> Iterator[Batch]:
        videos: list[RawItem] = []

        def pages() -> Iterator[list[RawItem]]:
            token = None
            for number in range(1, self.settings.max_pages + 1):
                page_what = f"{what} page {number}"
                data = self._call(endpoint, {**params, **({"pageToken": token} if token else {})}, page_what)
                entries = field(data, "items", what=page_what)
                items = []
                for entry in entries:
                    try:
                        video = _video_id(entry)
                    except (KeyError, TypeError):
                        raise SourceError(f"{page_what}: an item has no video id: the API's answer changed shape") from None
                    items.append(RawItem("youtube", video, entry, f"youtube video {video}"))
                if items:
                    yield items
                token = data.get("nextPageToken")
                if not token or not items:
                    return

        for batch in newest_first(query, pages(), key=_key, watermark=watermarks.get(query), when=_when,
                                  since=self.since, reread_since=self.revisit_since if reread else None):
            batch.items = unseen(batch.items, seen)
            videos += batch.items
            yield batch
        for video in videos:
            yield self._comments(video.id, seen)

    def _comments(self, video: str, seen: set[str]) -> Batch:
        what = f"comments of video {video}"
        found: list[RawItem] = []
        token = None
        for number in range(1, self.settings.max_pages + 1):
            params = {"part": "snippet,replies", "videoId": video, "maxResults": 100, "order": "time",
                      "textFormat": "plainText", **({"pageToken": token} if token else {})}
            try:
                data = self._call("commentThreads", params, f"{what} page {number}")
            except SourceError as exc:
                if "disabled" in str(exc).lower():
                    return Batch(f"comments:{video}", found, None)  # comments are off for this video
                raise
            for thread in field(data, "items", what=what):
                top = field(thread, "snippet", "topLevelComment", what=what)
                found.append(RawItem("youtube", top["id"], top, f"youtube comment {top['id']}"))
                replies = (thread.get("replies") or {}).get("comments") or []
                if thread["snippet"].get("totalReplyCount", 0) > len(replies):
                    replies = self._replies(top["id"], what)
                found += [RawItem("youtube", r["id"], r, f"youtube comment {r['id']}") for r in replies]
            token = data.get("nextPageToken")
            if not token:
                break
        return Batch(f"comments:{video}", unseen(found, seen), None)

    def _replies(self, parent: str, what: str) -> list[dict[str, Any]]:
        data = self._call("comments", {"part": "snippet", "parentId": parent, "maxResults": 100,
                                       "textFormat": "plainText"}, f"{what}: replies to {parent}")
        return list(field(data, "items", what=what))

    def normalise(self, item: RawItem) -> dict[str, Any]:
        return normalise_item(item.payload)
