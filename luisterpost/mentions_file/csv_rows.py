"""Mentions CSV: the v1 column names in a header row; comma, semicolon or tab between fields; a quoted field
may span lines. Read into INCOMING_SCHEMA tables whose `seq` is the line a record starts on."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import BinaryIO

import pyarrow as pa

from ..errors import UserError
from ..store.mentions import FIELDS, INCOMING_SCHEMA, REQUIRED_FIELDS
from .encoding import TextEncoding, decoded_lines

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}


class _Lines:
    """The decoded lines csv.reader reads, counted; remembers the lines of the record being read."""

    def __init__(self, lines: Iterator[tuple[str, bool]]):
        self.lines = lines
        self.number = 0  # lines read so far
        self.record: list[str] = []
        self.undecodable = False  # a line of the record being read was not valid in the encoding

    def next_record(self) -> int:
        """Start a new record; return the number of the line it starts on."""
        self.record.clear()
        self.undecodable = False
        return self.number + 1

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line, decoded = next(self.lines)
        self.number += 1
        self.undecodable |= not decoded
        self.record.append(line)
        return line


def csv_tables(handle: BinaryIO, encoding: TextEncoding, ref: str, rows: int) -> Iterator[pa.Table]:
    """Yield the records of a Mentions CSV as INCOMING_SCHEMA tables of at most `rows` rows.

    A record that cannot be used (wrong number of fields, bad quoting, undecodable bytes) gets its reason in
    `parse_error`. A quote that never closes makes the rest unreadable: the records before it are yielded, then
    a UserError names the line where it opens (found at the file's end, or sooner when the open field passes
    the csv module's field size limit). A header without a required column is a UserError too."""
    lines = _Lines(decoded_lines(handle, encoding, ref))
    first = next(lines, None)
    if first is None:
        return
    delimiter, header = _header(first, ref)
    index = {name: header.index(name) for name in FIELDS if name in header}
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    columns: dict[str, list[str | None]] = {name: [] for name in FIELDS}
    seqs: list[int] = []
    errors: list[str | None] = []
    while True:
        start = lines.next_record()
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            opened, _ = _quoted_field(lines.record, start, delimiter)
            if opened is not None:
                if seqs:
                    yield _table(seqs, errors, columns)
                raise UserError(f"{ref}:{opened}: a quoted field opens on this line and is never closed, so the "
                                f"lines after it cannot be read; close the quote and load the file again") from None
            record, error = [], f"cannot read this CSV record ({exc})" + _runs_on(lines, start, delimiter)
        else:
            if not any(cell.strip() for cell in record):
                continue
            error = _record_error(record, header, lines, start, delimiter, encoding)
        seqs.append(start)
        errors.append(error)
        for name in FIELDS:
            position = index.get(name)
            columns[name].append(record[position] if position is not None and position < len(record) else None)
        if len(seqs) >= rows:
            yield _table(seqs, errors, columns)
            columns, seqs, errors = {name: [] for name in FIELDS}, [], []
    if seqs:
        yield _table(seqs, errors, columns)


def _header(line: str, ref: str) -> tuple[str, list[str]]:
    """The delimiter and column names: the delimiter whose split of the header names every required column."""
    splits = {d: [name.strip() for name in next(csv.reader([line], delimiter=d), [])] for d in DELIMITERS}
    for delimiter, names in splits.items():
        if all(name in names for name in REQUIRED_FIELDS):
            return delimiter, names
    delimiter, names = max(splits.items(), key=lambda item: len(item[1]))
    missing = [name for name in REQUIRED_FIELDS if name not in names]
    raise UserError(f"{ref}:1: missing required column(s): {', '.join(missing)} "
                    f"(the header split on {DELIMITERS[delimiter]}s: {', '.join(names) or 'nothing'})")


def _record_error(record: list[str], header: list[str], lines: _Lines, start: int, delimiter: str,
                  encoding: TextEncoding) -> str | None:
    if lines.undecodable:
        return f"not {encoding.label} text"
    if len(record) == len(header):
        return None
    return f"has {len(record)} fields, the header has {len(header)}" + _runs_on(lines, start, delimiter)


def _runs_on(lines: _Lines, start: int, delimiter: str) -> str:
    """For a broken record that spans lines, where the quoted field that spans them opens: the usual cause is
    a quote left open that closed only at a later quote, swallowing the lines between."""
    _, spanning = _quoted_field(lines.record, start, delimiter)
    return "" if spanning is None else f"; a quoted field opens on line {spanning} and runs on to line {lines.number}"


def _quoted_field(lines: list[str], first: int, delimiter: str) -> tuple[int | None, int | None]:
    """(line where a quoted field opens that is still open at the end of `lines`, line where the first
    quoted field that spans lines opens), each None when there is none. `first` numbers lines[0]."""
    opened = spanning = None
    in_quote = closed_quote = False
    at_field_start = True
    for number, line in enumerate(lines, start=first):
        for char in line:
            if in_quote:
                if char == '"':
                    in_quote, closed_quote = False, True
                elif char == "\n" and spanning is None:
                    spanning = opened
                continue
            if char == '"' and (at_field_start or closed_quote):
                # A quote at a field's start opens it; right after a closing quote it is an escaped "".
                in_quote, closed_quote = True, False
                if at_field_start:
                    opened = number
                at_field_start = False
                continue
            closed_quote = False
            at_field_start = char in (delimiter, "\r", "\n")
    return (opened if in_quote else None), spanning


def _table(seqs: list[int], errors: list[str | None], columns: dict[str, list[str | None]]) -> pa.Table:
    return pa.Table.from_pydict({"seq": seqs, "parse_error": errors, **columns}, schema=INCOMING_SCHEMA)
