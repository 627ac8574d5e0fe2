"""Sharing the database file between real processes: readers never wait long on a harvest, a harvest never fails
on a reader, waits are bounded and said, and a killed process lets go of the file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from luisterpost.store import open_db
from luisterpost.store.access import FileBusy, SharedFile, database_opener

ROOT = Path(__file__).resolve().parents[1]


def _worker(role: str, path: Path, steps: int, pause: float, hold: float) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "tests.access_worker", role, str(path), str(steps), str(pause),
                                str(hold)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline() == f"{role} 0 holding\n", process.stderr.read()  # it has the file now
    return process


def _finish(process: subprocess.Popen) -> list[str]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out.splitlines()


@pytest.fixture
def path(tmp_path) -> Path:
    file = tmp_path / "gemeente.duckdb"
    open_db(file).close()
    return file


def _shared(path: Path, **options) -> SharedFile:
    return SharedFile(path, database_opener(path), **options)


def test_readers_read_while_a_harvest_writes_between_network_waits(path):
    harvest = _worker("write", path, steps=20, pause=0.2, hold=0.02)
    shared = _shared(path, wait=30)
    slowest = 0.0
    for _ in range(10):
        started = time.monotonic()
        with shared.read() as con:
            con.execute("SELECT count(*) FROM watermarks").fetchall()
        slowest = max(slowest, time.monotonic() - started)
        time.sleep(0.1)
    lines = _finish(harvest)
    assert lines[-1] == "done" and len([line for line in lines if line.startswith("write")]) == 19  # 20 in all
    assert slowest < 5, slowest  # one batch and the writer's linger, not the whole harvest
    with shared.read() as con:
        assert con.execute("SELECT count(*) FROM watermarks WHERE source = 'worker'").fetchall() == [(20,)]


def test_a_harvest_that_never_pauses_still_lets_a_reader_in(path):
    harvest = _worker("write", path, steps=1500, pause=0, hold=0.01)
    shared = _shared(path, wait=30)
    started = time.monotonic()
    with shared.read() as con:
        seen = con.execute("SELECT count(*) FROM watermarks WHERE source = 'worker'").fetchall()[0][0]
    waited = time.monotonic() - started
    _finish(harvest)
    assert seen < 1500  # it read in the middle of the harvest, not after it
    assert waited < 3, waited


def test_the_harvest_waits_for_a_report_and_does_not_fail(path):
    report = _worker("read", path, steps=1, pause=0, hold=1.5)
    shared = _shared(path, wait=30)
    told = []
    shared.on_wait = told.append
    with shared.write() as con:
        con.execute("INSERT INTO watermarks VALUES ('harvest', 'q', 'v', now())")
    shared.close()
    _finish(report)
    assert told and "in use" in told[0] and "waiting for it (at most 30 s)" in told[0]
    with shared.read() as con:
        assert con.execute("SELECT count(*) FROM watermarks WHERE source = 'harvest'").fetchall() == [(1,)]


def test_many_readers_read_at_the_same_time(path):
    readers = [_worker("read", path, steps=2, pause=0, hold=0.5) for _ in range(3)]
    shared = _shared(path, wait=30)
    started = time.monotonic()
    with shared.read() as con:
        con.execute("SELECT 1").fetchall()
    assert time.monotonic() - started < 1  # shared: not behind the three others
    for reader in readers:
        _finish(reader)


def test_a_file_held_too_long_gives_a_clear_message_naming_the_process(path):
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               f"c = duckdb.connect({str(path)!r})\nprint('open', flush=True)\ntime.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "open\n"
        shared = _shared(path, wait=0.5)
        with pytest.raises(FileBusy) as caught:
            with shared.read():
                pass
        assert str(caught.value) == (f"{path}: in use by process {holder.pid} for more than 0.5 s (a harvest, an "
                                     "import or a report of this municipality); try again when it has finished")
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_writer_lets_go_of_the_file(path):
    harvest = _worker("write", path, steps=1000, pause=0, hold=0.5)
    os.kill(harvest.pid, signal.SIGKILL)
    harvest.wait()
    with _shared(path, wait=5).read() as con:
        assert con.execute("SELECT count(*) FROM watermarks WHERE source = 'worker'").fetchall()[0][0] >= 1


def test_writes_in_one_process_share_the_file_and_let_go_when_idle(path):
    shared = _shared(path, wait=5, linger=0.05)
    with shared.write() as con, shared.write() as inner:  # nested steps share the connection
        assert inner is con
        con.execute("INSERT INTO watermarks VALUES ('a', 'q', 'v', now())")
    with shared.read() as con:  # while the write connection lingers, reads use it
        assert con.execute("SELECT count(*) FROM watermarks").fetchall() == [(1,)]
    time.sleep(0.3)
    # Idle: the file is free for another process (a plain DuckDB open would fail while it is held).
    duckdb.connect(str(path), read_only=True).close()
