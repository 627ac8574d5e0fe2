"""The one small interface every platform adapter implements."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..mentions_file import MentionsChunk


@dataclass(frozen=True)
class RawItem:
    """One item exactly as the platform (or file) gave it.

    `ref` says where it came from in words a user can follow ("posts.jsonl:12", "mastodon status 1093")."""

    platform: str
    id: str
    payload: Mapping[str, Any]
    ref: str = ""


@dataclass
class Batch:
    """Items fetched for one query of a source, and the watermark to store once they are committed.

    `problems` lists items the source could not even read (malformed lines, broken records), each
    with its ref; they are reported and skipped while the rest of the batch is stored.

    `chunk`, instead of items, holds rows already read from a Mentions file (luisterpost.mentions_file):
    they are staged as they are, without normalising, and the file itself is their raw payload."""

    query: str
    items: list[RawItem]
    watermark: str | None
    problems: list[str] = field(default_factory=list)
    chunk: MentionsChunk | None = None


class Source(Protocol):
    """A platform adapter: fetch raw items since a watermark, and normalise one raw item.

    `fetch` receives the stored watermark per query (empty on the first run) and yields batches
    in order; the harvester commits each batch's rows and its watermark in one transaction, so a
    failure part-way leaves earlier batches stored and later ones untouched.
    `normalise` returns one mention as a dict in the Mentions JSONL v1 shape (docs/mentions-jsonl.md).
    """

    name: str

    def fetch(self, watermarks: Mapping[str, str]) -> Iterator[Batch]: ...

    def normalise(self, item: RawItem) -> dict[str, Any]: ...
