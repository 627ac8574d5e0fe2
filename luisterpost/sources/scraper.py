"""snscrape, an optional extra for what can still be read without an API: public Telegram channels and
Mastodon profiles. Imported only when such a source runs; where it cannot be imported (Python 3.12 and
newer, or the extra not installed) the source is skipped with a message saying so."""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

from pydantic import Field

from ..strict import Strict
from .base import Batch, Query, RawItem, SourceBase, SourceContext
from .errors import SourceSkipped

# scraper kind → (snscrape module, scraper class); the target is the scraper's one argument.
SCRAPERS = {
    "telegram-channel": ("snscrape.modules.telegram", "TelegramChannelScraper"),
    "mastodon-profile": ("snscrape.modules.mastodon", "MastodonProfileScraper"),
}


class SnscrapeSettings(Strict):
    kind: Literal["snscrape"]
    name: str | None = None
    scraper: Literal["telegram-channel", "mastodon-profile"]
    targets: list[str] = Field(min_length=1)  # channel names, or profiles as user@instance
    max_items: int = Field(default=500, ge=1)  # per target and run

    @property
    def source_name(self) -> str:
        return self.name or f"snscrape:{self.scraper}"


def load_scraper(kind: str, python: tuple[int, int] = sys.version_info[:2]) -> Callable[[str], Any]:
    """The snscrape scraper class for `kind`; SourceSkipped when snscrape cannot be used here."""
    if python >= (3, 12):
        raise SourceSkipped(f"skipped: snscrape does not work on Python {python[0]}.{python[1]} (it needs 3.11 or "
                            "older); use another source for this platform")
    module, name = SCRAPERS[kind]
    try:
        from importlib import import_module

        return getattr(import_module(module), name)
    except ImportError:
        raise SourceSkipped("skipped: snscrape is not installed: pip install 'luisterpost[snscrape]'") from None


def identity(payload: Mapping[str, Any]) -> tuple[str, str]:
    """(platform, id) of a scraped item: a Mastodon toot by its id, a Telegram post as channel/number."""
    if "user" in payload:
        return "mastodon", str(payload["id"])
    return "telegram", payload["url"].split("t.me/", 1)[-1]


def normalise_scraped(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A snscrape Telegram post or Mastodon toot (its own JSON form) as a mention (Mentions JSONL v1)."""
    from .text import html_to_text

    platform, item_id = identity(payload)
    if platform == "mastodon":
        user = payload["user"]
        return {
            "platform": platform, "id": item_id, "created_at": payload["date"],
            "author_handle": user["account"], "author_name": user.get("displayName"),
            "text": html_to_text(payload["text"]), "url": payload["url"],
        }
    url = payload["url"]  # https://t.me/<channel>/<number>
    channel = url.rstrip("/").split("/")[-2]
    return {
        "platform": platform, "id": item_id, "created_at": payload["date"],
        "author_handle": channel, "text": payload.get("content") or "", "url": url,
    }


def _order(item_id: str) -> tuple[int, str]:
    # Ids grow over time (toot ids, post numbers): compared as numbers, longer is newer.
    tail = item_id.rstrip("/").rsplit("/", 1)[-1]
    return (len(tail), tail)


class ScraperSource(SourceBase):
    """Reads each target newest first up to the stored watermark (the newest item's id) or `max_items`."""

    def __init__(self, settings: SnscrapeSettings, ctx: SourceContext | None = None,
                 scraper: Callable[[str], Any] | None = None):
        self.name = settings.source_name
        self.settings = settings
        self._scraper = scraper

    def open(self, watermarks: Mapping[str, str]) -> list[Query]:
        scraper = self._scraper or load_scraper(self.settings.scraper)
        return [self._target(scraper, target) for target in self.settings.targets]

    def _target(self, scraper: Callable[[str], Any], target: str) -> Query:
        query = f"{self.settings.scraper}:{target}"

        def read(watermark: str | None) -> Iterator[Batch]:
            stop = json.loads(watermark) if watermark else None
            items: list[RawItem] = []
            for scraped in itertools.islice(scraper(target).get_items(), self.settings.max_items):
                payload = json.loads(scraped.json())
                platform, item_id = identity(payload)
                if stop is not None and list(_order(item_id)) <= stop:
                    break
                items.append(RawItem(platform, item_id, payload, f"{query} {payload.get('url')}"))
            newest = max((_order(i.id) for i in items), default=None)
            yield Batch(query, items, json.dumps(list(newest)) if newest else None)

        return Query(query, target, read)

    def normalise(self, item: RawItem) -> dict[str, Any]:
        return normalise_scraped(item.payload)

