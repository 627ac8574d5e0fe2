"""The one small interface every platform adapter implements, and what adapters are built with."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..config import Config
    from ..mentions_file import MentionsChunk

# Looks a secret up by name in a secret store (the flows pass one for Prefect Secret blocks); None when absent.
SecretLookup = Callable[[str], "str | None"]


@dataclass(frozen=True)
class RawItem:
    """One item exactly as the platform (or file) gave it.

    `ref` says where it came from in words a user can follow ("posts.jsonl:12", "mastodon status 1093")."""

    platform: str
    id: str
    payload: Mapping[str, Any]
    ref: str = ""


@dataclass(frozen=True)
class Gone:
    """A post the platform clearly says no longer exists (deleted by its writer, or removed by a moderator): its
    stored rows are removed. `with_conversation`: the platform took the replies under it with it (the comments
    under a deleted video or Facebook post), so every stored mention in its conversation goes too."""

    platform: str
    id: str
    with_conversation: bool = False


@dataclass
class Batch:
    """Items fetched for a query, and the watermark to store (under the key `query`) once they are committed.

    `problems` lists items the source could not even read (malformed lines, broken records), each
    with its ref; they are reported and skipped while the rest of the batch is stored.

    `chunk`, instead of items, holds rows already read from a Mentions file (luisterpost.mentions_file):
    they are staged as they are, without normalising, and the file itself is their raw payload.

    `gone` lists posts that, read again, turned out to be deleted at the source: removed in the batch's
    transaction."""

    query: str
    items: list[RawItem]
    watermark: str | None
    problems: list[str] = field(default_factory=list)
    chunk: MentionsChunk | None = None
    gone: list[Gone] = field(default_factory=list)


@dataclass
class Query:
    """One thing a source reads (a hashtag, an account, a search, a feed, a file, a conversation): harvested and
    recorded on its own, so one that fails never stops the others.

    `name` is the key its watermark is stored under, `label` what a user reads ("#lindeveen"), and
    `read(watermark)` yields its batches given its stored watermark (None on its first run)."""

    name: str
    label: str
    read: Callable[[str | None], Iterator[Batch]]


@dataclass(frozen=True)
class SourceContext:
    """What every adapter is built with besides its settings: the municipality's config, the time of the run,
    where secrets come from when not from the environment, and how to wait (tests wait faster)."""

    config: Config | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    secrets: SecretLookup | None = None
    sleep: Callable[[float], None] = time.sleep


class Source(Protocol):
    """A platform adapter.

    `open(watermarks)` prepares the source (a login) and returns its queries, given every watermark it has
    stored (a quota counter lives there too); raising there stops the whole source (SourceSkipped: skipped
    with the reason). `thread(item)` returns the query that reads the conversation
    around an item when it has one worth reading (the municipality's own posts, a Reddit post, a video, an
    article with comments), however the item was found; when the platform answers that the item itself (or a
    reply in it) was deleted, its batch names it in `gone`. `normalise` returns one mention as a dict in the
    Mentions JSONL v1 shape (docs/mentions-jsonl.md). `close()` lets go of connections."""

    name: str

    def open(self, watermarks: Mapping[str, str]) -> list[Query]: ...

    def thread(self, item: RawItem) -> Query | None: ...

    def normalise(self, item: RawItem) -> dict[str, Any]: ...

    def close(self) -> None: ...


class SourceBase:
    """Defaults for adapters without conversations or connections."""

    name: str

    def thread(self, item: RawItem) -> Query | None:
        return None

    def close(self) -> None:
        return None
