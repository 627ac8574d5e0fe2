"""Platform adapters behind one interface (`base.Source`), built from the config's [[sources]] tables."""

from __future__ import annotations

from datetime import datetime

from ..config import Config, DemoSourceSettings, DropFolderSettings
from .base import Batch, RawItem, Source
from .demo import DemoSource
from .dropfolder import DropFolderSource

__all__ = ["Batch", "RawItem", "Source", "build_source", "build_sources"]


def build_source(config: Config, settings: DemoSourceSettings | DropFolderSettings,
                 now: datetime | None = None) -> Source:
    """Return the adapter for one [[sources]] table."""
    if isinstance(settings, DemoSourceSettings):
        return DemoSource(settings, now=now)
    return DropFolderSource(settings, config.resolve(settings.path))


def build_sources(config: Config, now: datetime | None = None) -> list[Source]:
    """Return an adapter for every configured source, in config order."""
    return [build_source(config, s, now) for s in config.sources]
