"""RSS and Atom news feeds: regional news and query feeds (articles naming the municipality), the municipality's
own news (every article), and the comments under an article where the feed links a comment feed (wfw:commentRss).

Feeds are read with feedparser. The payload kept per article is feedparser's reading of the entry, with its
times as ISO-8601, plus the feed it came from."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser

from ..config import NewsSettings
from .apisource import ApiSource, parse_time
from .base import Batch, RawItem
from .http import SourceError, unseen, utc_iso
from .text import html_to_text

ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"


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

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        words = self.settings.match
        if words is None:
            terms = self.config.terms if self.config else None
            words = [*(terms.names if terms else []), *(terms.woonkernen if terms else [])]
            if not words and self.config:
                words = [self.config.municipality.name]
        self.pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.I) if words else None

    def fetch(self, watermarks: Mapping[str, str]) -> Iterator[Batch]:
        self.open_client({"Accept": ACCEPT})
        feeds = [(url, True) for url in self.settings.own_feeds] + [(url, False) for url in self.settings.feeds]
        seen: set[str] = set()
        for number, (url, own) in enumerate(feeds, start=1):
            what = f"feed {number} ({_short(url)})"
            query = f"feed:{url}"
            parsed = self._read(url, what)
            watermark = watermarks.get(query)
            meta = {"feed": url, "feed_title": parsed.feed.get("title"), "lang": _lang(parsed.feed.get("language"))}
            articles: list[RawItem] = []
            revisit: list[RawItem] = []
            newest = watermark
            for entry in parsed.entries:
                payload = {**meta, "entry": _plain(entry)}
                item_id = entry.get("id") or entry.get("link")
                if not item_id:
                    continue
                if not own and not self._matches(entry):
                    continue
                at = _entry_time(payload["entry"])
                key = utc_iso(parse_time(at)) if at else None
                item = RawItem("news", item_id, payload, f"{what}: article {item_id}")
                if key is None or watermark is None or key > watermark:
                    articles.append(item)
                    if key and (newest is None or key > newest):
                        newest = key
                elif at and parse_time(at) >= self.revisit_since:
                    revisit.append(item)
            articles = unseen(articles, seen)
            yield Batch(query, articles, newest if newest != watermark else None)
            for article in articles + revisit:
                link = article.payload["entry"].get("wfw_commentrss")
                if link:
                    yield self._comments(article, link, meta, seen)

    def _read(self, url: str, what: str) -> Any:
        response = self.client.request("GET", url, what=what)
        parsed = feedparser.parse(response.content, response_headers={"content-location": str(response.url),
                                                                       **dict(response.headers)})
        if parsed.bozo and not parsed.entries and not parsed.feed:
            reason = getattr(parsed.get("bozo_exception"), "getMessage", lambda: str(parsed.get("bozo_exception")))()
            raise SourceError(f"{what}: not a readable RSS or Atom feed ({reason}); the rest follows next run")
        return parsed

    def _matches(self, entry: Mapping[str, Any]) -> bool:
        if self.pattern is None:
            return True
        text = " ".join(str(entry.get(k) or "") for k in ("title", "summary"))
        return bool(self.pattern.search(html_to_text(text)))

    def _comments(self, article: RawItem, link: str, meta: dict[str, Any], seen: set[str]) -> Batch:
        what = f"comments on {_short(article.payload['entry'].get('link') or article.id)}"
        parsed = self._read(link, what)
        items = []
        for entry in parsed.entries:
            item_id = entry.get("id") or entry.get("link")
            if item_id and item_id not in seen:
                seen.add(item_id)
                payload = {**meta, "article": article.id, "entry": _plain(entry)}
                items.append(RawItem("news", item_id, payload, f"{what}: comment {item_id}"))
        return Batch(f"comments:{article.id}", items, None)

    def normalise(self, item: RawItem) -> dict[str, Any]:
        return normalise_entry(item.payload)


def _short(url: str) -> str:
    return re.sub(r"^https?://", "", url.split("?")[0])[:80]


def _lang(value: str | None) -> str | None:
    return value.split("-")[0].lower() if value else None
