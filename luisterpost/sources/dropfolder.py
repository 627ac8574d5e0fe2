"""Drop folders: Mentions JSONL v1 or CSV files placed in a folder are imported once each."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from ..errors import UserError
from ..strict import Strict
from .base import Batch, Query, RawItem, SourceBase, SourceContext


class DropFolderSettings(Strict):
    kind: Literal["jsonl", "csv"]
    name: str | None = None
    path: str

    @property
    def source_name(self) -> str:
        return self.name or f"{self.kind}:{self.path}"


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's content, read in blocks: the watermark of a dropped file."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def folder_files(folder: Path, suffixes: set[str]) -> list[Path]:
    """The files in `folder` with one of `suffixes`, in name order; the folder is made when missing, so the
    first harvest shows where people drop their files."""
    if not folder.exists():
        folder.mkdir(parents=True)
    if not folder.is_dir():
        raise NotADirectoryError(f"drop folder {folder} is not a folder")
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes)


class DropFolderSource(SourceBase):
    """Each file in the folder is a query: a new or changed one is read by the shared mentions-file reader, a
    batch per chunk; its watermark is the file's SHA-256, so a file is read again only when its content changes
    (and then only new rows are added)."""

    def __init__(self, settings: DropFolderSettings, ctx: SourceContext):
        self.name = settings.source_name
        self.kind = settings.kind
        self.folder = ctx.config.resolve(settings.path) if ctx.config else Path(settings.path)

    def open(self, watermarks: Mapping[str, str]) -> list[Query]:
        suffixes = {".jsonl", ".ndjson"} if self.kind == "jsonl" else {".csv"}
        return [Query(path.name, path.name, lambda watermark, path=path: self._file(path, watermark))
                for path in folder_files(self.folder, suffixes)]

    def _file(self, path: Path, watermark: str | None) -> Iterator[Batch]:
        """A batch per chunk of the file (each stored in its own transaction), then one that only carries the
        file's watermark: the file counts as done once every chunk is stored. A file that cannot be read on
        ends with its problem and is done too: only a changed file is worth reading again."""
        from ..mentions_file import read_mentions  # pyarrow: loaded when a file is read, not with the config

        digest = file_digest(path)
        if watermark == digest:
            return
        try:
            for chunk in read_mentions(path, self.kind, ref=path.name):
                yield Batch(path.name, [], None, chunk=chunk)
        except UserError as exc:
            yield Batch(path.name, [], digest, [str(exc)])
            return
        yield Batch(path.name, [], digest)

    def normalise(self, item: RawItem) -> dict[str, Any]:
        """The file already holds Mentions v1: keep its known fields (files are read as chunks, not items)."""
        from ..store.mentions import FIELDS

        return {name: item.payload.get(name) for name in FIELDS}
