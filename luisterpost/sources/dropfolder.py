"""Drop folders: Mentions JSONL v1 or CSV files placed in a folder are imported once each."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

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


class DropFolderSource(SourceBase):
    """Each file in the folder is a query; a new or changed one is read as a batch, with the file's SHA-256 as
    its watermark, so a file is read again only when its content changes (and then only new rows are added)."""

    def __init__(self, settings: DropFolderSettings, ctx: SourceContext):
        self.name = settings.source_name
        self.kind = settings.kind
        self.folder = ctx.config.resolve(settings.path) if ctx.config else Path(settings.path)

    def open(self, watermarks: Mapping[str, str]) -> list[Query]:
        if not self.folder.exists():
            # The folder is where people drop files: make it, so the first harvest shows where it is.
            self.folder.mkdir(parents=True)
        if not self.folder.is_dir():
            raise NotADirectoryError(f"drop folder {self.folder} is not a folder")
        suffixes = {".jsonl", ".ndjson"} if self.kind == "jsonl" else {".csv"}
        files = sorted(p for p in self.folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes)
        return [Query(path.name, path.name, lambda watermark, path=path: self._file(path, watermark)) for path in files]

    def _file(self, path: Path, watermark: str | None) -> Iterator[Batch]:
        digest = file_digest(path)
        if watermark == digest:
            return
        items, problems = self._read(path)
        yield Batch(path.name, items, digest, problems)

    def _read(self, path: Path) -> tuple[list[RawItem], list[str]]:
        from ..store.mentions import REQUIRED_FIELDS

        items: list[RawItem] = []
        problems: list[str] = []
        if self.kind == "jsonl":
            with path.open("rb") as handle:
                for number, raw in enumerate(handle, start=1):
                    if not raw.strip():
                        continue
                    try:
                        record = json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
                    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                        problems.append(f"{path.name}:{number}: not valid JSON ({exc.__class__.__name__})")
                        continue
                    if not isinstance(record, dict):
                        problems.append(f"{path.name}:{number}: not a JSON object")
                        continue
                    items.append(self._item(record, f"{path.name}:{number}"))
        else:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                missing = [f for f in REQUIRED_FIELDS if f not in (reader.fieldnames or [])]
                if missing:
                    return [], [f"{path.name}:1: missing required column(s): {', '.join(missing)}"]
                start = 2
                for record in reader:
                    items.append(self._item(record, f"{path.name}:{start}"))
                    start = reader.line_num + 1
        return items, problems

    @staticmethod
    def _item(record: dict[str, Any], ref: str) -> RawItem:
        return RawItem(str(record.get("platform") or ""), str(record.get("id") or ""), record, ref)

    def normalise(self, item: RawItem) -> dict[str, Any]:
        """The file already holds Mentions v1: keep its known fields."""
        from ..store.mentions import FIELDS

        return {name: item.payload.get(name) for name in FIELDS}
