"""Sharing one DuckDB file between processes: the harvest, the analysts' commands and Prefect runs.

DuckDB lets one process write a file, or any number of processes read it, never both at once, and it refuses
rather than waits when the file is taken. So nobody keeps the file longer than one step: the harvest opens it
to store a batch and lets go while it waits on the network; a report opens it to load its data and lets go
before it renders. Whoever finds the file taken waits its turn, up to a bound, and says so once.

Turns are fair. Beside the database a queue file (`<database>.queue`) is locked shared by readers and
exclusively by a writer while they wait for the database itself. A writer that finds someone queued closes the
file and queues behind them, so a long harvest never starves a report, and a stream of reports never starves
the harvest. The locks are the kernel's (flock): a process that dies, even by kill -9, lets go of them."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import duckdb

from ..errors import UserError

# How long a command waits for the file by default: longer than any single write, short enough that a
# command stuck behind a process that hangs says so.
WAIT_SECONDS = 300.0
# A writer keeps the file this long after its last write, so a burst of batches opens it once.
LINGER_SECONDS = 0.25

Opener = Callable[[bool], duckdb.DuckDBPyConnection]  # read_only → an open connection


class Database(Protocol):
    """The database as the harvest and the flows use it: a connection for one step at a time."""

    def write(self) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]: ...

    def read(self) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]: ...

    def close(self) -> None: ...


class FileBusy(UserError):
    """The database stayed in use by another process for longer than the wait allowed."""


def in_use(exc: BaseException) -> bool:
    """Whether `exc` is DuckDB refusing the file because another process holds it."""
    return "Could not set lock on file" in str(exc)


@dataclass
class SharedFile:
    """One process's access to one database file; safe to use from many threads.

    `write()` and `read()` yield a connection for one step. Writes in this process go one at a time; the write
    connection stays open while writes follow each other quickly and nobody else waits for the file. `wait`
    bounds every wait for the file (seconds); `on_wait` is told once per wait, in words, that it waits."""

    path: Path
    opener: Opener
    wait: float = WAIT_SECONDS
    on_wait: Callable[[str], None] | None = None
    linger: float = LINGER_SECONDS
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)
    _con: duckdb.DuckDBPyConnection | None = field(default=None, init=False, repr=False)
    _depth: int = field(default=0, init=False, repr=False)
    _last_used: float = field(default=0.0, init=False, repr=False)
    _timer: threading.Timer | None = field(default=None, init=False, repr=False)

    @property
    def queue_path(self) -> Path:
        return self.path.with_name(self.path.name + ".queue")

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The database open for writing, for one step (nested steps share it)."""
        with self._lock:
            if self._depth == 0 and self._con is not None and self._someone_waits():
                self._close()  # let whoever queued have their turn first
            if self._con is None:
                self._con = self._open(read_only=False)
            self._depth += 1
            try:
                yield self._con
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._last_used = self.clock()
                    self._close_when_idle()

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The database open for reading, for one step: read-only, so other processes may read it at the same
        time. In a process that is writing it, its write connection (nobody else can read the file meanwhile)."""
        with self._lock:
            if self._con is not None:
                with self.write() as con:
                    yield con
                return
            con = self._open(read_only=True)
            try:
                yield con
            finally:
                con.close()

    def connect(self, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        """The file opened for a whole short run (a command), after waiting its turn as a step does; the
        caller closes it. Read-only lets other readers in at the same time."""
        return self._open(read_only=read_only)

    def close(self) -> None:
        """Let go of the file now (the end of a run)."""
        with self._lock:
            if self._depth == 0:
                self._close()

    # -- waiting for the file -------------------------------------------------------------------------------

    def _open(self, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        deadline = self.clock() + self.wait
        told = [False]
        with self._queued(exclusive=not read_only, deadline=deadline, told=told):
            while True:
                try:
                    return self.opener(read_only)
                except (duckdb.Error, UserError) as exc:
                    if not in_use(exc):
                        raise
                    self._wait_a_little(deadline, told, holder=_holder(exc))

    @contextmanager
    def _queued(self, *, exclusive: bool, deadline: float, told: list[bool]) -> Iterator[None]:
        """Hold the queue file while waiting for the database: shared for a reader, exclusive for a writer.
        A reader of a file on a read-only file system queues for nothing: nobody can write it there."""
        self.queue_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.queue_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            if exclusive or exc.errno != errno.EROFS:
                raise
            yield
            return
        try:
            mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
            while True:
                try:
                    fcntl.flock(fd, mode)
                    break
                except BlockingIOError:
                    self._wait_a_little(deadline, told, holder=None)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases its lock

    def _wait_a_little(self, deadline: float, told: list[bool], holder: str | None) -> None:
        now = self.clock()
        by = f" by {holder}" if holder else ""
        if now >= deadline:
            raise FileBusy(f"{self.path}: in use{by} for more than {self.wait:g} s (a harvest, an import or a "
                           "report of this municipality); try again when it has finished")
        if not told[0] and self.on_wait is not None:
            self.on_wait(f"{self.path} is in use{by}; waiting for it (at most {self.wait:g} s)…")
            told[0] = True
        self.sleep(min(0.05, deadline - now))

    def _someone_waits(self) -> bool:
        """Whether another process queued for the file (it holds the queue file while it waits)."""
        fd = os.open(self.queue_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)

    # -- letting go ---------------------------------------------------------------------------------------

    def _close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._con is not None:
            con, self._con = self._con, None
            con.close()

    def _close_when_idle(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(self.linger, self._idle)
        self._timer.daemon = True
        self._timer.start()

    def _idle(self) -> None:
        with self._lock:
            if self._depth == 0 and self.clock() - self._last_used >= self.linger * 0.9:
                self._close()


@contextmanager
def sole_run(path: Path, kind: str, *, role: str = "", wait: float = 0.0, wait_for: tuple[str, ...] = (),
             on_wait: Callable[[str], None] | None = None, sleep: Callable[[float], None] = time.sleep,
             clock: Callable[[], float] = time.monotonic) -> Iterator[None]:
    """Hold the turn for a run of `kind` (a harvest) on the database at `path`: one at a time. A second one,
    in any process, stops at once with a one-line UserError naming the process that runs, unless that process
    holds the turn in one of the roles `wait_for` (the nightly waits for a watch cycle): then it waits for it,
    at most `wait` seconds, telling `on_wait` once. `role` says what this run is ("nightly", "watch"), for
    whoever finds the turn taken. The kernel lets go of the turn when the process ends, also when it is killed."""
    turn = path.with_name(f"{path.name}.{kind}")
    turn.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(turn, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline, told = clock() + wait, False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pid, _, held_as = os.pread(fd, 64, 0).decode("ascii", "replace").strip().partition(" ")
                holder = f"process {pid}" if pid else "another process"
                what = f", {held_as}" if held_as else ""
                if held_as not in wait_for or not held_as:
                    raise UserError(f"{path}: another {kind} of this database is running ({holder}{what}); this "
                                    "one stops without doing anything") from None
                if clock() >= deadline:
                    raise UserError(f"{path}: a {held_as} {kind} ({holder}) held this database for more than "
                                    f"{wait:g} s; this one stops without doing anything") from None
                if not told and on_wait is not None:
                    on_wait(f"{path}: a {held_as} {kind} ({holder}) is running; waiting for it (at most {wait:g} s)…")
                    told = True
                sleep(min(1.0, max(deadline - clock(), 0.01)))
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} {role}".strip().encode(), 0)
        except OSError as exc:  # a full disk: named with the file it could not write
            raise OSError(exc.errno, exc.strerror, str(turn)) from None
        yield
    finally:
        os.close(fd)


def database_opener(path: Path, key: str | None = None) -> Opener:
    """Open `path` as `SharedFile` needs it: for writing with `open_db` (which creates the file and applies
    pending migrations); for reading read-only, unless the file is new or behind on migrations (then once as a
    writer). `key`: the file's encryption key (store.encryption)."""
    from .db import migrations, open_db
    from .encryption import connect_encrypted, plain_open_error

    latest = migrations()[-1][0]

    def opener(read_only: bool) -> duckdb.DuckDBPyConnection:
        if read_only and path.exists():
            if key is None:
                try:
                    con = duckdb.connect(str(path), read_only=True)
                except duckdb.Error as exc:
                    raise plain_open_error(path, exc) from None
            else:
                con = connect_encrypted(path, key, read_only=True)
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET enable_progress_bar = false")
            if con.execute("SELECT max(version) FROM schema_migrations").fetchall()[0][0] >= latest:
                return con
            con.close()
        return open_db(path, key)

    return opener


class Held:
    """A connection that is already open, used where a `SharedFile` is expected: in tests, and by a command
    that holds the file for its whole run. `lock` serialises the threads that share it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, lock: threading.Lock | None = None):
        self.con, self.lock = con, lock or threading.RLock()

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.lock:
            yield self.con

    read = write

    def close(self) -> None:
        """Nothing: whoever opened the connection closes it."""


def _holder(exc: BaseException) -> str | None:
    """"PID n" from DuckDB's message about the process that holds the file, if it says."""
    text = str(exc)
    start = text.find("(PID ")
    if start < 0:
        return None
    end = text.find(")", start)
    return "process " + text[start + 5:end] if end > start else None
