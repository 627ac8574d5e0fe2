"""Platform adapters behind one interface (`base.Source`), built from the config's [[sources]] tables through
the registry of source kinds (`registry.KINDS`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .base import Batch, Query, RawItem, SecretLookup, Source, SourceContext
from .registry import KINDS, build_source

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["KINDS", "Batch", "Query", "RawItem", "Source", "SourceContext", "build_source", "build_sources"]


def build_sources(config: Config, now: datetime | None = None, secrets: SecretLookup | None = None) -> list[Source]:
    """Return an adapter for every configured source, in config order."""
    return [build_source(config, s, now, secrets) for s in config.sources]
