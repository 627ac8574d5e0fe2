"""RSS and Atom news feeds: regional news and query feeds (articles naming the municipality), the municipality's
own news (every article), and the comments under an article where the feed links a comment feed (wfw:commentRss).

Feeds are read with feedparser. The payload kept per article is feedparser's reading of the entry, with its
times as ISO-8601, plus the feed it came from. Every feed is a query of its own: a dead feed fails alone."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import model_validator

from .apisource import ApiSource
from .base import Batch, Query, RawItem
from .errors import SourceError
from .listing import parse_time, utc_iso
from .settings import HttpSourceSettings

ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"


class NewsSettings(HttpSourceSettings):
    kind: Literal["news"]
    base_url: str = "https://news.invalid"  # feeds are full URLs; relative ones are read against this
    feeds: list[str] = []  # regional news and query feeds: articles naming the municipality are kept
    own_feeds: list[str] = []  # the municipality's own news: every article is kept
    match: list[str] | None = None  # words an article must contain; default: the names and woonkernen in [terms]
    secret: str | None = None

    @model_validator(mode="after")
    def _something(self) -> NewsSettings:
        if not (self.feeds or self.own_feeds):
            raise ValueError("give feeds or own_feeds to read")
        return self

    def _label(self) -> str:
        return re.sub(r"^https?://([^/]+).*", r"\1", (self.own_feeds or self.feeds)[0])


def _plain(value: Any) -> Any:
    """feedparser's values as JSON: times as ISO-8601 in UTC, nested dicts and lists kept."""
    if isinstance(value, time.struct_time):
        return datetime(*value[:6], tzinfo=UTC).isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _entry_time(entry: Mapping[str, Any]) -> str | None:
    """An entry's time (published, else updated or created) as ISO-8601, from its plain form (`_plain`)."""
    return entry.get("published_parsed") or entry.get("updated_parsed") or entry.get("created_parsed")


def normalise_entry(payload: Mapping[str, Any]) -> dict[str, Any]:
    """An article or a comment from a feed as a mention of platform "news" (Mentions JSONL v1)."""
    from .text import html_to_text

    entry = payload["entry"]
    created = _entry_time(entry)
    if not created:
        raise ValueError("the entry has no published or updated time")
    body = entry.get("content", [{}])[0].get("value") if entry.get("content") else entry.get("summary")
    text = html_to_text(body)
    article = payload.get("article")
    if article is None:  # an article: its headline is part of what it says
        text = entry["title"] + (f"\n\n{text}" if text else "")
    author = entry.get("author") or payload.get("feed_title") or "onbekend"
    comments = entry.get("slash_comments")
    return {
        "platform": "news",
        "id": entry.get("id") or entry["link"],
        "created_at": created,
        "author_handle": author,
        "author_name": entry.get("author") or payload.get("feed_title"),
        "text": text,
        "url": entry.get("link"),
        "in_reply_to_id": article,
        "conversation_id": article or entry.get("id") or entry.get("link"),
        "lang": payload.get("lang"),
        "replies": int(comments) if comments and str(comments).isdigit() else None,
    }


class NewsSource(ApiSource):
    """Reads RSS/Atom feeds. Watermark per feed: the newest article time seen."""

    platform = "news"
    settings: NewsSettings

    def open(self, watermarks: Mapping[str, str]) -> list[Query]:
        words = self.settings.match
        if words is None:
            terms = self.config.terms if self.config else None
            words = [*(terms.names if terms else []), *(terms.woonkernen if terms else [])]
            if not words and self.config:
                words = [self.config.municipality.name]
        self.pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.I) if words else None
        self.open_client({"Accept": ACCEPT})
        feeds = [(url, True) for url in self.settings.own_feeds] + [(url, False) for url in self.settings.feeds]
        return [self._feed(number, url, own) for number, (url, own) in enumerate(feeds, start=1)]

    def _feed(self, number: int, url: str, own: bool) -> Query:
        what = f"feed {number} ({_short(url)})"
        query = f"feed:{url}"

        def read(watermark: str | None) -> Iterator[Batch]:
            parsed = self._read(url, what)
            meta = {"feed": url, "feed_title": parsed.feed.get("title"), "lang": _lang(parsed.feed.get("language"))}
            articles: list[RawItem] = []
            newest = watermark
            for entry in parsed.entries:
                payload = {**meta, "entry": _plain(entry)}
                item_id = entry.get("id") or entry.get("link")
                if not item_id or (not own and not self._matches(entry)):
                    continue
                at = _entry_time(payload["entry"])
                key = utc_iso(parse_time(at)) if at else None
                if key is None or watermark is None or key > watermark:
                    articles.append(RawItem("news", item_id, payload, f"{what}: article {item_id}"))
                    if key and (newest is None or key > newest):
                        newest = key
            yield Batch(query, articles, newest if newest != watermark else None)

        return Query(query, what, read)

    def _read(self, url: str, what: str) -> Any:
        import feedparser

        response = self.client.request("GET", url, what=what)
        parsed = feedparser.parse(response.content, response_headers={"content-location": str(response.url),
                                                                       **dict(response.headers)})
        if parsed.bozo and not parsed.entries and not parsed.feed:
            reason = getattr(parsed.get("bozo_exception"), "getMessage", lambda: str(parsed.get("bozo_exception")))()
            raise SourceError(f"{what}: not a readable RSS or Atom feed ({reason}); the rest follows next run")
        return parsed

    def _matches(self, entry: Mapping[str, Any]) -> bool:
        from .text import html_to_text

        if self.pattern is None:
            return True
        text = " ".join(str(entry.get(k) or "") for k in ("title", "summary"))
        return bool(self.pattern.search(html_to_text(text)))

    def thread(self, item: RawItem) -> Query | None:
        """The comments under an article whose feed links a comment feed."""
        entry = item.payload.get("entry") or {}
        link = entry.get("wfw_commentrss") if item.payload.get("article") is None else None
        if not link:
            return None
        what = f"comments on {_short(entry.get('link') or item.id)}"
        meta = {k: item.payload.get(k) for k in ("feed", "feed_title", "lang")}

        def read(_: str | None) -> Iterator[Batch]:
            parsed = self._read(link, what)
            items = []
            for comment in parsed.entries:
                item_id = comment.get("id") or comment.get("link")
                if item_id:
                    payload = {**meta, "article": item.id, "entry": _plain(comment)}
                    items.append(RawItem("news", item_id, payload, f"{what}: comment {item_id}"))
            yield Batch(f"comments:{item.id}", items, None)

        return Query(f"comments:{item.id}", what, read)

    def normalise(self, item: RawItem) -> dict[str, Any]:
        return normalise_entry(item.payload)


def _short(url: str) -> str:
    return re.sub(r"^https?://", "", url.split("?")[0])[:80]


def _lang(value: str | None) -> str | None:
    return value.split("-")[0].lower() if value else None
