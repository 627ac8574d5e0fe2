"""What a failure of the disk or of the database file means for the user, in one line.

A full disk, a read-only mount, a folder the user may not write and a damaged database are not bugs: the user
can act on them. `explain` turns the OSError or DuckDB error behind one into a message naming the file and what
to do, for the command line to print instead of a traceback."""

from __future__ import annotations

import errno
import re
from pathlib import Path

_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_READ_ONLY = (errno.EROFS,)
_DENIED = (errno.EACCES, errno.EPERM)
# The file a DuckDB I/O error names: 'Could not write file "/data/x.duckdb.wal": No space left on device'.
_QUOTED_FILE = re.compile(r'file "([^"]+)"')
_KEPT = "what was stored before is kept"


def explain(exc: BaseException, database: Path | None = None) -> str | None:
    """One line naming the file and what to do for a disk or database failure, or None when `exc` is another
    kind of error (a bug, to be shown in full). `database`: the database the command opened, named when DuckDB's
    message names no file."""
    if isinstance(exc, OSError) and exc.errno is not None:
        name = exc.filename or database or "a file"
        return _by_errno(exc.errno, str(name), exc.strerror or str(exc))
    import duckdb

    from .store.integrity import corrupt

    if not isinstance(exc, duckdb.Error):
        return None
    if corrupt(exc):
        return (f"{database or 'the database'}: the database file is damaged ({_first_line(str(exc))}): restore "
                "it from the last backup (docs/operations.md, Controle); nothing was written to it")
    return explain_text(str(exc), database)


def explain_text(text: str, database: Path | None = None) -> str | None:
    """`explain` for an error known only by its text (a harvest's source error, as the run stored it): a full
    disk, a read-only mount or a denied write of a file DuckDB names; None for anything else."""
    quoted = _QUOTED_FILE.search(text)
    name = quoted[1] if quoted else str(database or "the database")
    for number, words in ((errno.ENOSPC, "No space left on device"), (errno.EDQUOT, "Disk quota exceeded"),
                          (errno.EROFS, "Read-only file system"), (errno.EACCES, "Permission denied")):
        if words in text:
            return _by_errno(number, name, words)
    return None


def _by_errno(number: int, name: str, words: str) -> str | None:
    if number in _FULL:
        return (f"{name}: the disk is full ({words}): free space there (`luisterpost check` shows how much is "
                f"free) and run the command again; {_KEPT}")
    if number in _READ_ONLY:
        return (f"{name}: the file system is mounted read-only: mount it writable, or point the command at a "
                f"writable place (--out, [storage] database); {_KEPT}")
    if number in _DENIED:
        return (f"{name}: no permission to write here ({words}): give the user running luisterpost write "
                f"permission, or choose another place (--out, [storage] database); {_KEPT}")
    return None


def _first_line(text: str) -> str:
    line = text.splitlines()[0] if text else ""
    return line.split("Error: ", 1)[-1]
