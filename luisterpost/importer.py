"""Importing Mentions JSONL v1 or CSV files: every good row stored, every bad row reported as file:line."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from .errors import UserError
from .sql import query
from .store import transaction
from .store.mentions import FIELDS, INCOMING_SCHEMA, REQUIRED_FIELDS, stage, store_staged
from .store.runs import SourceOutcome, finish_run, record_source, start_run, utcnow

# Rows per batch: big enough for vectorised SQL to shine, small enough to keep memory flat.
CHUNK_ROWS = 250_000
FORMATS = ("jsonl", "csv")


@dataclass
class ImportResult:
    """What an import did: rows read, new and updated mentions, and each skipped row as "file:line: reason"."""

    file: Path
    read: int = 0
    new: int = 0
    updated: int = 0
    problems: list[str] = field(default_factory=list)


def detect_format(path: Path, fmt: str | None) -> str:
    """Return the format to read `path` with: the one given, else from the file's extension."""
    if fmt:
        if fmt not in FORMATS:
            raise UserError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
        return fmt
    suffix = path.suffix.lower().lstrip(".")
    if suffix in {"jsonl", "ndjson", "json"}:
        return "jsonl"
    if suffix == "csv":
        return "csv"
    raise UserError(f"{path}: cannot tell the format from the extension; pass --format jsonl or --format csv")


def jsonl_chunks(path: Path, rows: int | None = None) -> Iterator[tuple[pa.Table, dict[int, str]]]:
    """Yield (`jsonl_lines(seq, line)` with seq = line number, lines that could not be read) per chunk.

    Lines are read by Polars' CSV reader as one text column, streamed in chunks: parallel, and
    zero-copy into DuckDB. From the first chunk it cannot read that way (invalid UTF-8, stray
    control characters) on, a line-by-line reader takes over and reports the unreadable lines."""
    rows = rows or CHUNK_ROWS
    done = 0  # lines already yielded, so the fallback neither repeats nor skips any
    try:
        lines = pl.scan_csv(
            path, has_header=False, separator="\x1f", quote_char=None, new_columns=["line"],
            schema={"line": pl.String}, encoding="utf8",
        ).with_row_index("seq", offset=1)
        for chunk in lines.collect_batches(chunk_size=rows):
            last = int(chunk["seq"][-1]) if chunk.height else done
            chunk = chunk.select(pl.col("seq").cast(pl.Int64), pl.col("line").str.strip_prefix("\ufeff"))
            table = chunk.filter(pl.col("line").str.strip_chars() != "").to_arrow(
                compat_level=pl.CompatLevel.newest()
            )
            # Several record batches let DuckDB parse them on every core.
            yield pa.Table.from_batches(table.to_batches(max_chunksize=50_000), table.schema), {}
            done = last
    except pl.exceptions.PolarsError:
        yield from _jsonl_chunks_by_line(path, rows, after=done)


def _jsonl_chunks_by_line(path: Path, rows: int, after: int = 0) -> Iterator[tuple[pa.Table, dict[int, str]]]:
    seqs: list[int] = []
    lines: list[str] = []
    unreadable: dict[int, str] = {}
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number <= after:
                continue
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                unreadable[number] = "not UTF-8 text"
                continue
            seqs.append(number)
            if len(lines) >= rows:
                yield _lines_table(seqs, lines), unreadable
                seqs, lines, unreadable = [], [], {}
    if lines or unreadable:
        yield _lines_table(seqs, lines), unreadable


def _lines_table(seqs: list[int], lines: list[str]) -> pa.Table:
    return pa.table({"seq": pa.array(seqs, pa.int64()), "line": pa.array(lines, pa.string())})


def csv_chunks(path: Path, rows: int | None = None) -> Iterator[tuple[pa.Table, dict[int, str]]]:
    """Yield incoming tables (seq = the line a record starts on) from a CSV with the v1 column names."""
    rows = rows or CHUNK_ROWS
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = [name.strip() for name in next(reader)]
        except StopIteration:
            return
        missing = [name for name in REQUIRED_FIELDS if name not in header]
        if missing:
            raise UserError(f"{path}:1: missing required column(s): {', '.join(missing)}")
        index = {name: header.index(name) for name in FIELDS if name in header}
        columns: dict[str, list[str | None]] = {name: [] for name in FIELDS}
        seqs: list[int] = []
        errors: list[str | None] = []
        start = reader.line_num + 1
        try:
            for record in reader:
                if any(cell.strip() for cell in record):
                    seqs.append(start)
                    errors.append(
                        None if len(record) == len(header)
                        else f"has {len(record)} fields, the header has {len(header)}"
                    )
                    for name in FIELDS:
                        position = index.get(name)
                        columns[name].append(record[position] if position is not None and position < len(record) else None)
                start = reader.line_num + 1
                if len(seqs) >= rows:
                    yield _incoming(seqs, errors, columns), {}
                    columns, seqs, errors = {name: [] for name in FIELDS}, [], []
        except UnicodeDecodeError:
            raise UserError(f"{path}:{start}: not UTF-8 text; save the file as UTF-8") from None
        except csv.Error as exc:
            raise UserError(f"{path}:{reader.line_num}: cannot read CSV: {exc}") from None
    if seqs:
        yield _incoming(seqs, errors, columns), {}


def _incoming(seqs: list[int], errors: list[str | None], columns: dict[str, list[str | None]]) -> pa.Table:
    data = {"seq": seqs, "parse_error": errors, **columns}
    return pa.Table.from_pydict(data, schema=INCOMING_SCHEMA)


def import_file(con: duckdb.DuckDBPyConnection, path: str | Path, fmt: str | None = None) -> ImportResult:
    """Import a Mentions JSONL v1 or CSV file in one transaction and record it as an import run.

    Bad rows are skipped and reported as file:line; the good ones are all stored, or, if anything
    unexpected fails, none are."""
    path = Path(path)
    fmt = detect_format(path, fmt)
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    result = ImportResult(path)
    started = utcnow()
    chunks = jsonl_chunks(path) if fmt == "jsonl" else csv_chunks(path)
    with transaction(con):
        for table, undecodable in chunks:
            if fmt == "jsonl":
                con.register("jsonl_lines", table)
                rejected = stage(con, query("staging/stg_jsonl_lines"))
                con.unregister("jsonl_lines")
            else:
                rejected = stage(con, table)
            new, updated = store_staged(con, source=f"import:{path.name}", now=started)
            result.read += table.num_rows + len(undecodable)
            result.new += new
            result.updated += updated
            problems = {r.seq: r.reason for r in rejected} | undecodable
            result.problems += [f"{path}:{line}: {problems[line]}" for line in sorted(problems)]
        run_id = start_run(con, "import")
        outcome = SourceOutcome(
            source=f"import:{path.name}",
            status="partial" if result.problems else "ok",
            fetched=result.read, new=result.new, updated=result.updated, skipped=len(result.problems),
            error=_summary(result.problems), started_at=started,
        )
        record_source(con, run_id, outcome)
        finish_run(con, run_id, [outcome])
    return result


def _summary(problems: list[str], shown: int = 20) -> str | None:
    """The first problems as one text for the run record, with a count of the rest."""
    if not problems:
        return None
    text = "\n".join(problems[:shown])
    if len(problems) > shown:
        text += f"\n… and {len(problems) - shown} more"
    return text
