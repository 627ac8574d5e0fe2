"""Platform adapters behind one interface (`base.Source`), built from the config's [[sources]] tables."""

from __future__ import annotations

from datetime import datetime
from importlib import import_module
from typing import Any

from ..config import Config, DemoSourceSettings, DropFolderSettings
from .base import Batch, RawItem, Source
from .secrets import SecretLookup

__all__ = ["Batch", "RawItem", "Source", "build_source", "build_sources"]

# kind → (module, class) of the API adapters; imported when configured, so unused ones cost nothing.
_ADAPTERS = {
    "mastodon": ("mastodon", "MastodonSource"),
    "bluesky": ("bluesky", "BlueskySource"),
    "reddit": ("reddit", "RedditSource"),
    "youtube": ("youtube", "YouTubeSource"),
    "news": ("news", "NewsSource"),
    "facebook": ("graph", "FacebookSource"),
    "instagram": ("graph", "InstagramSource"),
}


def build_source(config: Config, settings: Any, now: datetime | None = None,
                 secrets: SecretLookup | None = None) -> Source:
    """Return the adapter for one [[sources]] table. `secrets` looks up secrets not in the environment."""
    if isinstance(settings, DemoSourceSettings):
        from .demo import DemoSource

        return DemoSource(settings, now=now)
    if isinstance(settings, DropFolderSettings):
        from .dropfolder import DropFolderSource

        return DropFolderSource(settings, config.resolve(settings.path))
    if settings.kind == "snscrape":
        from .scraper import ScraperSource

        return ScraperSource(settings)
    if settings.kind == "export":
        from .exports import ExportSource

        return ExportSource(settings, config.resolve(settings.path), config.municipality.tz)
    module, name = _ADAPTERS[settings.kind]
    adapter = getattr(import_module(f".{module}", __name__), name)
    return adapter(settings, config=config, secrets=secrets, now=now)


def build_sources(config: Config, now: datetime | None = None, secrets: SecretLookup | None = None) -> list[Source]:
    """Return an adapter for every configured source, in config order."""
    return [build_source(config, s, now, secrets) for s in config.sources]
