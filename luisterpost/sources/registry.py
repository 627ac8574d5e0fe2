"""Every kind of source in one place: the settings class its [[sources]] table is validated with, and the adapter
that reads it. Adding a platform means one adapter module (settings class and adapter) and one line here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Field

from . import bluesky, demo, dropfolder, exports, graph, mastodon, news, reddit, scraper, youtube
from .base import SecretLookup, Source, SourceContext

if TYPE_CHECKING:
    from ..config import Config


@dataclass(frozen=True)
class Kind:
    """A kind of source: the value of `kind` in its table, its settings class and its adapter class."""

    name: str
    settings: type
    adapter: type


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("demo", demo.DemoSourceSettings, demo.DemoSource),
    Kind("jsonl", dropfolder.DropFolderSettings, dropfolder.DropFolderSource),
    Kind("csv", dropfolder.DropFolderSettings, dropfolder.DropFolderSource),
    Kind("mastodon", mastodon.MastodonSettings, mastodon.MastodonSource),
    Kind("bluesky", bluesky.BlueskySettings, bluesky.BlueskySource),
    Kind("reddit", reddit.RedditSettings, reddit.RedditSource),
    Kind("youtube", youtube.YouTubeSettings, youtube.YouTubeSource),
    Kind("news", news.NewsSettings, news.NewsSource),
    Kind("facebook", graph.FacebookSettings, graph.FacebookSource),
    Kind("instagram", graph.InstagramSettings, graph.InstagramSource),
    Kind("snscrape", scraper.SnscrapeSettings, scraper.ScraperSource),
    Kind("export", exports.ExportSettings, exports.ExportSource),
)}

# The type of one [[sources]] table: pydantic picks the settings class by its `kind`.
SourceSettings = Annotated[
    Union[tuple(dict.fromkeys(kind.settings for kind in KINDS.values()))],  # noqa: UP007 - built from the table
    Field(discriminator="kind"),
]


def build_source(config: Config | None, settings: Any, now: datetime | None = None,
                 secrets: SecretLookup | None = None, sleep: Callable[[float], None] | None = None) -> Source:
    """Return the adapter for one [[sources]] table. `secrets` looks up secrets not in the environment; `sleep`
    is how it waits out backoffs and rate limits (default: time.sleep; tests record the waits instead)."""
    ctx = SourceContext(config=config, secrets=secrets, **({"now": now} if now else {}),
                        **({"sleep": sleep} if sleep else {}))
    return KINDS[settings.kind].adapter(settings, ctx)
