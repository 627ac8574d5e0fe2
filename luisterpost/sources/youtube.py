"""YouTube Data API v3: videos matching the terms and the uploads of configured channels, with their comments.

Endpoints: search (100 quota units a call), channels, playlistItems, commentThreads and comments (1 unit
each). The source keeps its own count of units used per day (Pacific time, when Google resets the quota)
and stops, saying so, before it would go over `daily_quota`; the next day it goes on where it stopped."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field

from .apisource import ApiSource
from .base import Batch, Gone, Query, RawItem
from .payload import field
from .errors import HttpError, SourceError, SourceStopped
from .listing import Page, parse_time, utc_iso
from .settings import HttpSourceSettings

COST = {"search": 100, "channels": 1, "playlistItems": 1, "commentThreads": 1, "comments": 1}
QUOTA_DAY = ZoneInfo("America/Los_Angeles")
# Search shows a new video hours after it is published: each run reads the search this far below the newest
# video read before (mostly within the page it reads anyway).
SEARCH_DELAY = timedelta(hours=12)


class YouTubeSettings(HttpSourceSettings):
    kind: Literal["youtube"]
    base_url: str = "https://www.googleapis.com/youtube/v3"
    search: list[str] = []
    channels: list[str] = []  # channel ids (UC…) whose uploads are followed, e.g. the municipality's own
    daily_quota: int = Field(default=10_000, ge=1)  # API units this source may use per day (Pacific time)
    secret: str | None = "youtube-api-key"


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


def _reason(exc: HttpError) -> object:
    """The reason Google gives for an error answer (commentsDisabled, videoNotFound, quotaExceeded)."""
    return exc.answer("error", "errors", 0, "reason")


class YouTubeSource(ApiSource):
    """Reads YouTube with an API key. Watermarks: what was read per term and channel, and units used per day."""

    platform = "youtube"
    settings: YouTubeSettings

    def open(self, watermarks: Mapping[str, str]) -> list[Query]:
        key = self.secret("YouTube (an API key)")
        # The key travels in a header, never in the URL (URLs end up in logs and error messages).
        self.open_client({"X-Goog-Api-Key": key}, credentials=True)
        self.day = self.now.astimezone(QUOTA_DAY).date().isoformat()
        self.quota_query = f"quota:{self.day}"
        self.used = int(watermarks.get(self.quota_query) or 0)
        queries = []
        for term in self.settings.search:
            params = {"part": "snippet", "q": term, "type": "video", "order": "date", "maxResults": 50,
                      "relevanceLanguage": "nl"}
            queries.append(self._listing(f"search:{term}", f"search {term!r}", "search", params, overlap=SEARCH_DELAY))
        for channel in self.settings.channels:
            queries.append(self._channel(channel))
        return queries

    def _metered(self, query: Query) -> Query:
        """`query` with today's unit count stored after each of its batches, and a stop when the quota is spent."""

        def read(watermark: str | None) -> Iterator[Batch]:
            try:
                for batch in query.read(watermark):
                    yield batch
                    yield Batch(self.quota_query, [], str(self.used))
            except QuotaReached:
                yield Batch(self.quota_query, [], str(self.used))
                raise SourceStopped(f"stopped for the daily quota: {self.used:,} of {self.settings.daily_quota:,} "
                                    "units used today (Pacific time); the rest follows when the quota resets") from None

        return Query(query.name, query.label, read)

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

    def _channel(self, channel: str) -> Query:
        what = f"channel {channel}"
        found: dict[str, str] = {}

        def lookup() -> None:
            data = self._call("channels", {"part": "contentDetails", "id": channel}, what)
            items = data.get("items") or []
            if not items:
                raise SourceError(f"{what}: no such channel (check the channel id, it starts with UC)")
            found["uploads"] = field(items[0], "contentDetails", "relatedPlaylists", "uploads", what=what)

        def params() -> dict[str, Any]:
            return {"part": "snippet,contentDetails", "playlistId": found["uploads"], "maxResults": 50}

        return self._listing(f"channel:{channel}", what, "playlistItems", params, before=lookup)

    def _listing(self, name: str, what: str, endpoint: str, params: Any, before: Any = None,
                 overlap: timedelta = timedelta(0)) -> Query:
        def fetch_page(after: dict[str, Any] | None, number: int) -> Page:
            page_what = f"{what} page {number}"
            base = params() if callable(params) else params
            data = self._call(endpoint, {**base, **(after or {})}, page_what)
            items = []
            for entry in field(data, "items", what=page_what):
                try:
                    video = _video_id(entry)
                except (KeyError, TypeError):
                    raise SourceError(f"{page_what}: an item has no video id: the API's answer changed shape") from None
                items.append(RawItem("youtube", video, entry, f"youtube video {video}"))
            token = data.get("nextPageToken")
            return Page(items, {"pageToken": token} if token and items else None)

        return self._metered(self.listing(name, what, fetch_page, key=_key, when=_when, before=before, overlap=overlap))

    def thread(self, item: RawItem) -> Query | None:
        """The comments (and replies) under a video. When the first request says the video is not found (deleted),
        the batch names it as gone, with its comments; no further request is made."""
        if item.payload.get("kind") == "youtube#comment":
            return None
        video = item.id
        what = f"comments of video {video}"

        def read(_: str | None) -> Iterator[Batch]:
            found: list[RawItem] = []
            token = None
            for number in range(1, self.settings.max_pages + 1):
                params = {"part": "snippet,replies", "videoId": video, "maxResults": 100, "order": "time",
                          "textFormat": "plainText", **({"pageToken": token} if token else {})}
                try:
                    data = self._call("commentThreads", params, f"{what} page {number}")
                except SourceError as exc:
                    if "disabled" in str(exc).lower():
                        break  # comments are off for this video
                    if isinstance(exc, HttpError) and exc.status == 404 and _reason(exc) == "videoNotFound":
                        # The video was deleted, and its comments with it.
                        yield Batch(f"comments:{video}", [], None, gone=[Gone("youtube", video, True)])
                        return
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
            yield Batch(f"comments:{video}", found, None)

        return self._metered(Query(f"comments:{video}", what, read))

    def _replies(self, parent: str, what: str) -> list[dict[str, Any]]:
        replies: list[dict[str, Any]] = []
        token = None
        for _ in range(self.settings.max_pages):
            data = self._call("comments", {"part": "snippet", "parentId": parent, "maxResults": 100,
                                           "textFormat": "plainText", **({"pageToken": token} if token else {})},
                              f"{what}: replies to {parent}")
            replies += field(data, "items", what=what)
            token = data.get("nextPageToken")
            if not token:
                break
        return replies

    def normalise(self, item: RawItem) -> dict[str, Any]:
        return normalise_item(item.payload)
