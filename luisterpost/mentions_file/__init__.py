"""The one reader of Mentions JSONL v1 and CSV files (docs/mentions-jsonl.md), for `luisterpost import` and the
drop folders alike: a file becomes chunks of rows, in file order, that each check themselves into the temp
table `staged` and name their bad rows as file:line."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from ..errors import UserError
from ..sql import query
from ..store.mentions import Rejected, stage
from .csv_rows import csv_tables
from .encoding import SAMPLE_BYTES, detect_encoding, given_encoding
from .jsonl import jsonl_tables

# Rows per chunk, and so per transaction: two DuckDB row groups (2 × 122,880), as measured on a million mentions:
# chunks of one row group took half as long again to store (and under one, rows go through the write-ahead log
# first), three held more memory for no gain.
CHUNK_ROWS = 245_760
FORMATS = ("jsonl", "csv")
SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".tsv": "csv"}


@dataclass(frozen=True)
class MentionsChunk:
    """Rows read from one file and not stored yet.

    `table` is `jsonl_lines(seq, line, unreadable)` for JSONL or INCOMING_SCHEMA for CSV; `seq` is the line
    number a row starts on. `ref` names the file in problems; `encoding` is the encoding it was read in."""

    ref: str
    format: str
    encoding: str
    table: pa.Table

    @property
    def rows(self) -> int:
        """Rows read (blank lines are not rows)."""
        return self.table.num_rows

    def stage(self, con: duckdb.DuckDBPyConnection) -> list[Rejected]:
        """Check the rows into the temp table `staged`; return the rejected ones (their seq is the line number)."""
        if self.format == "csv":
            return stage(con, self.table)
        con.register("jsonl_lines", self.table)
        try:
            return stage(con, query("staging/stg_jsonl_lines"))
        finally:
            con.unregister("jsonl_lines")

    def describe(self, rejected: list[Rejected]) -> list[str]:
        """The rejected rows as a user reads them: "file:line: reason"."""
        return [f"{self.ref}:{r.seq}: {r.reason}" for r in rejected]


def detect_format(path: Path, fmt: str | None) -> str:
    """Return the format to read `path` with: the one given, else from the file's extension."""
    if fmt:
        if fmt not in FORMATS:
            raise UserError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
        return fmt
    try:
        return SUFFIXES[path.suffix.lower()]
    except KeyError:
        raise UserError(f"{path}: cannot tell the format from the extension; pass --format jsonl or --format csv") from None


def read_mentions(path: Path, fmt: str, *, encoding: str | None = None, rows: int | None = None,
                  ref: str | None = None) -> Iterator[MentionsChunk]:
    """Yield the rows of the Mentions file `path` in `fmt` as chunks of at most `rows` rows (default
    CHUNK_ROWS), in file order.

    The encoding is the one named, else detected (docs/mentions-jsonl.md). `ref` names the file in problems
    (default: the path). A UserError means the file cannot be read (on): unknown encoding, a CSV header without
    a required column, a quote that never closes; the chunks before the problem have been yielded by then."""
    ref = ref or str(path)
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
        text = given_encoding(encoding, head) if encoding else detect_encoding(head, ref, lenient_utf8=fmt == "jsonl")
        handle.seek(text.bom)
        tables = jsonl_tables if fmt == "jsonl" else csv_tables
        for table in tables(handle, text, ref, rows or CHUNK_ROWS):
            yield MentionsChunk(ref, fmt, text.label, table)
            del table  # let the chunk go before the next is read
