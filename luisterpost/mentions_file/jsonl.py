"""Mentions JSONL: a file's lines in chunks, as the table `jsonl_lines(seq, line, unreadable)` that
sql/staging/stg_jsonl_lines.sql parses (seq is the line number; blank lines are left out)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import numpy as np
import pyarrow as pa

from ..errors import UserError
from .encoding import TextEncoding, decoded_lines

READ_BYTES = 1 << 23  # read this much at a time
# A chunk ends after `rows` lines or about this many bytes, whichever comes first, so long lines keep memory flat.
CHUNK_BYTES = 1 << 27
SHORT_LINE = 64  # lines up to this long are checked for being blank; a longer line of spaces is not JSON
BATCH_ROWS = 16_384  # DuckDB scans an Arrow table a record batch per thread at a time: many small ones share out evenly
LINES_SCHEMA = pa.schema([("seq", pa.int64()), ("line", pa.string()), ("unreadable", pa.string())])


def jsonl_tables(handle: BinaryIO, encoding: TextEncoding, ref: str, rows: int) -> Iterator[pa.Table]:
    """Yield the non-blank lines of `handle` (positioned after any byte-order mark) as LINES_SCHEMA tables of at
    most `rows` rows. A line that is not valid in the encoding has `line` NULL and `unreadable` saying so."""
    if encoding.is_utf8:
        for block in _line_blocks(handle, rows, ref):
            table = _batched(_utf8_table(*block))
            del block
            yield table
            del table  # let the chunk's bytes go before the next are read
    else:
        yield from _decoded_tables(handle, encoding, ref, rows)


def _line_blocks(handle: BinaryIO, rows: int, ref: str) -> Iterator[tuple[int, memoryview, np.ndarray]]:
    """Yield (number of the first line, whole lines as bytes, the offset just past each line).

    Lines are found with one vectorised search per block and never copied one by one: the bytes go to Arrow
    as they were read. Each chunk gets a buffer of its own, as the one before may still be in use."""
    carry, first, done = b"", 1, False
    while True:
        buffer = bytearray(carry)
        found = [np.flatnonzero(np.frombuffer(carry, np.uint8) == 0x0A) + 1]
        lines = len(found[0])
        while not done and lines < rows and len(buffer) < CHUNK_BYTES:
            block = handle.read(READ_BYTES)
            if not block:
                done = True
                break
            found.append(np.flatnonzero(np.frombuffer(block, np.uint8) == 0x0A) + (len(buffer) + 1))
            lines += len(found[-1])
            buffer += block
        ends = np.concatenate(found)
        if done and buffer and (not len(ends) or ends[-1] != len(buffer)):
            ends = np.append(ends, len(buffer))  # the last line has no newline
        if not len(ends):
            if done:
                return
            raise UserError(f"{ref}:{first}: a line longer than {CHUNK_BYTES >> 20} MiB is not a mention")
        count = min(rows, len(ends))
        cut = int(ends[count - 1])
        carry = bytes(memoryview(buffer)[cut:])
        yield first, memoryview(buffer)[:cut], ends[:count]
        first += count


def _utf8_table(first: int, data: memoryview, ends: np.ndarray) -> pa.Table:
    """The lines as Arrow strings over the bytes read (each keeps its line ending, which JSON ignores)."""
    count = len(ends)
    offsets = np.zeros(count + 1, np.int32)
    offsets[1:] = ends
    lines = pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(data))
    unreadable = pa.nulls(count, pa.string())
    try:
        lines.validate(full=True)  # UTF-8 checked for the whole chunk at once
    except pa.ArrowInvalid:
        lines, unreadable = _mark_non_utf8(data, offsets)
    table = pa.table([_int64(np.arange(first, first + count, dtype=np.int64)), lines, unreadable], schema=LINES_SCHEMA)
    blank = _blank(data, offsets)
    return table.take(_int64(np.flatnonzero(~blank))) if blank.any() else table


def _int64(values: np.ndarray) -> pa.Array:
    # Over the NumPy buffer as it is: pa.array() on a NumPy array would first import pandas, when installed (1 s).
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values.astype(np.int64, copy=False))])


def _mark_non_utf8(data: memoryview, offsets: np.ndarray) -> tuple[pa.Array, pa.Array]:
    # The rare chunk with a flaw: find its lines one by one.
    lines: list[str | None] = []
    unreadable: list[str | None] = []
    for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist()):
        try:
            lines.append(bytes(data[start:end]).decode("utf-8"))
            unreadable.append(None)
        except UnicodeDecodeError:
            lines.append(None)
            unreadable.append("not UTF-8 text")
    return pa.array(lines, pa.string()), pa.array(unreadable, pa.string())


def _blank(data: memoryview, offsets: np.ndarray) -> np.ndarray:
    """A mask of the lines that hold nothing but white space (only short lines are looked at)."""
    blank = np.zeros(len(offsets) - 1, bool)
    for index in np.flatnonzero(np.diff(offsets) <= SHORT_LINE).tolist():
        blank[index] = not bytes(data[offsets[index]:offsets[index + 1]]).strip()
    return blank


def _decoded_tables(handle: BinaryIO, encoding: TextEncoding, ref: str, rows: int) -> Iterator[pa.Table]:
    # Other encodings (UTF-16, or one named with --encoding): decoded line by line, slower but the same rows.
    seqs: list[int] = []
    lines: list[str | None] = []
    unreadable: list[str | None] = []
    for number, (line, decoded) in enumerate(decoded_lines(handle, encoding, ref), start=1):
        if not line.strip():
            continue
        seqs.append(number)
        lines.append(line if decoded else None)
        unreadable.append(None if decoded else f"not {encoding.label} text")
        if len(seqs) >= rows:
            yield _batched(pa.table([seqs, lines, unreadable], schema=LINES_SCHEMA))
            seqs, lines, unreadable = [], [], []
    if seqs:
        yield _batched(pa.table([seqs, lines, unreadable], schema=LINES_SCHEMA))


def _batched(table: pa.Table) -> pa.Table:
    # Slices, not copies: several record batches let DuckDB parse them on every core.
    return pa.Table.from_batches(table.to_batches(max_chunksize=BATCH_ROWS), table.schema)
