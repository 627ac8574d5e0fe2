"""Drop folders: Mentions JSONL v1 or CSV files placed in a folder are imported once each."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..config import DropFolderSettings
from ..errors import UserError
from ..mentions_file import read_mentions
from ..store.mentions import FIELDS
from .base import Batch, RawItem


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's content, read in blocks: the watermark of a dropped file."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


class DropFolderSource:
    """Each new or changed file in the folder is read by the shared mentions-file reader, a batch per chunk; its
    watermark is the file's SHA-256, so a file is read again only when its content changes (and then only new
    rows are added)."""

    def __init__(self, settings: DropFolderSettings, folder: Path):
        self.name = settings.source_name
        self.kind = settings.kind
        self.folder = folder

    def fetch(self, watermarks: Mapping[str, str]) -> Iterator[Batch]:
        if not self.folder.exists():
            # The folder is where people drop files: make it, so the first harvest shows where it is.
            self.folder.mkdir(parents=True)
        if not self.folder.is_dir():
            raise NotADirectoryError(f"drop folder {self.folder} is not a folder")
        suffixes = {".jsonl", ".ndjson"} if self.kind == "jsonl" else {".csv"}
        for path in sorted(p for p in self.folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes):
            digest = file_digest(path)
            if watermarks.get(path.name) == digest:
                continue
            yield from self._batches(path, digest)

    def _batches(self, path: Path, digest: str) -> Iterator[Batch]:
        """A batch per chunk of the file (each stored in its own transaction), then one that only carries the
        file's watermark: the file counts as done once every chunk is stored. A file that cannot be read on
        ends with its problem and is done too: only a changed file is worth reading again."""
        try:
            for chunk in read_mentions(path, self.kind, ref=path.name):
                yield Batch(path.name, [], None, chunk=chunk)
        except UserError as exc:
            yield Batch(path.name, [], digest, [str(exc)])
            return
        yield Batch(path.name, [], digest)

    def normalise(self, item: RawItem) -> dict[str, Any]:
        """The file already holds Mentions v1: keep its known fields (files are read as chunks, not items)."""
        return {name: item.payload.get(name) for name in FIELDS}
