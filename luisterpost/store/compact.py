"""Rewriting the database file so that what was deleted is gone from its bytes, not only from its tables.

DuckDB's DELETE and CHECKPOINT mark blocks free but leave their bytes in the file until they happen to be
reused. Copying every table, view and sequence into a new file and putting that in the old one's place leaves
nothing of the deleted rows behind. Used by `purge` and `forget` (store/retention.py, store/forget.py)."""

from __future__ import annotations

import contextlib
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..errors import UserError
from .encryption import CONNECT_SETTINGS


@dataclass(frozen=True)
class Compacted:
    """The file rewritten: its size (with its write-ahead log) before and after, and how long it took."""

    path: Path
    bytes_before: int
    bytes_after: int
    seconds: float


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def compact(path: str | Path, key: str | None = None) -> Compacted:
    """Rewrite the DuckDB file at `path` into a new file and atomically put it in its place, keeping its
    permission mode (and its encryption: `key`, see store.encryption); return the sizes and the time taken.

    No connection may hold the file, in this process or another: UserError says so (in one line) and leaves the
    file as it was. The new file is written beside the old one (as much free disk as the database takes)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no database file to compact")
    wal = path.with_name(path.name + ".wal")
    fresh = path.with_name(path.name + ".compacting")
    started = time.perf_counter()
    before = _size(path) + _size(wal)
    mode = stat.S_IMODE(path.stat().st_mode)
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):  # from a compaction killed part-way
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(":memory:", config=CONNECT_SETTINGS)
    # An encrypted file is read and written with its key, passed as a parameter (never in the statement).
    options, parameters = (" (ENCRYPTION_KEY ?)", [key]) if key else ("", [])
    if key:
        with contextlib.suppress(duckdb.Error):
            con.execute("LOAD httpfs")  # DuckDB writes encrypted files with OpenSSL when it has it
    try:
        try:
            con.execute(f"ATTACH {_quoted(path)} AS old{options}", parameters)
        except duckdb.Error as exc:
            reason = str(exc).replace(key, "…").splitlines()[0] if key else str(exc).splitlines()[0]
            if isinstance(exc, (duckdb.IOException, duckdb.BinderException)):
                raise UserError(f"{path}: the database is in use ({reason}); stop what holds it (a harvest, a "
                                "report, a Prefect worker) and try again") from None
            raise UserError(f"{path}: cannot rewrite the database: {reason}") from None
        con.execute("CHECKPOINT old")  # what the write-ahead log holds goes into the copy too
        con.execute(f"ATTACH {_quoted(fresh)} AS fresh{options}", parameters)
        con.execute("COPY FROM DATABASE old TO fresh")
        con.execute("DETACH fresh")
        fresh.with_name(fresh.name + ".wal").unlink(missing_ok=True)  # detached: checkpointed, nothing in it
        os.chmod(fresh, mode)
        _fsync(fresh)
        # Replaced while the old file is still attached, so its lock keeps other processes out until the new
        # file is in place; an open handle on the old one reads the old bytes, which are unlinked with it.
        os.replace(fresh, path)
        _fsync(path.parent)
    except BaseException:
        fresh.unlink(missing_ok=True)
        raise
    finally:
        with contextlib.suppress(duckdb.Error):
            con.close()
    return Compacted(path, before, _size(path) + _size(wal), time.perf_counter() - started)
