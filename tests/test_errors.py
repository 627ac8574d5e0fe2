"""Failures of the disk and of the database file: one line naming the file and what to do, exit code 2, no
traceback, nothing stored lost. Real files: small tmpfs and read-only mounts (skipped where mounting is not
allowed), a database with bytes flipped in a data block, real command processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from luisterpost.importer import import_file
from luisterpost.store import open_db

ROOT = Path(__file__).resolve().parents[1]
FILE_HEADER_BYTES = 3 * 4096  # DuckDB's file header and its two database headers come before block 0


def row(i: int, text: str = "De container is niet opgehaald") -> dict:
    return {"platform": "mastodon", "id": str(i), "created_at": "2026-03-01T10:00:00+01:00",
            "author_handle": f"@inwoner{i}@mastodon.nl", "text": f"{text} {i}", "likes": 3}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def luisterpost(config: Path, *args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PREFECT_HOME": str(cwd / ".prefect"), "PYTHONPATH": str(ROOT)}
    env.pop("PREFECT_API_URL", None)
    return subprocess.run([sys.executable, "-m", "luisterpost", "--config", str(config), *args], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=timeout)


def one_line_error(result: subprocess.CompletedProcess, *words: str) -> str:
    """The error line of a command that stopped cleanly: exit code 2, no traceback, the line has `words`."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


def stored_ids(database: Path) -> list[str]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT id FROM mentions ORDER BY id::INT").fetchall()]
    finally:
        con.close()


def make_database(database: Path, rows: list[dict], scratch: Path) -> None:
    con = open_db(database)
    import_file(con, write_jsonl(scratch / "first.jsonl", rows), None)
    con.close()


def config_for(folder: Path, database: Path, extra: str = "") -> Path:
    path = folder / "gemeente.toml"
    path.write_text(f'[municipality]\nname = "Lindeveen"\n\n[storage]\ndatabase = "{database}"\n{extra}',
                    encoding="utf-8")
    return path


@pytest.fixture
def mount(tmp_path):
    """mount(folder, read_only=…, size=…): a fresh tmpfs of `size`, or `folder` bound read-only onto itself;
    unmounted after the test. Skips where this process may not mount (not root, or in a container without it)."""
    done: list[Path] = []

    def mount(folder: Path, *, size: str | None = None, read_only: bool = False) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        steps = ([["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)]] if size else
                 [["mount", "--bind", str(folder), str(folder)], ["mount", "-o", "remount,ro,bind", str(folder)]])
        for step in steps:
            result = subprocess.run(step, capture_output=True, text=True)
            if result.returncode:
                pytest.skip(f"cannot mount here: {result.stderr.strip()}")
            if folder not in done:
                done.append(folder)
        return folder

    yield mount
    for folder in reversed(done):
        subprocess.run(["umount", "-l", str(folder)], check=False)


# -- a full disk --------------------------------------------------------------------------------------------


def test_import_on_a_full_disk_stops_in_one_line_and_keeps_what_was_stored(mount, tmp_path):
    disk = mount(tmp_path / "disk", size="3m")
    database = disk / "lindeveen.duckdb"
    make_database(database, [row(i) for i in range(5)], tmp_path)
    big = write_jsonl(tmp_path / "big.jsonl", [row(i, "x" * 300) for i in range(100, 20_100)])

    result = luisterpost(config_for(tmp_path, database), "import", str(big), cwd=tmp_path)

    one_line_error(result, str(disk), "the disk is full", "free space there", "what was stored before is kept")
    assert stored_ids(database) == [str(i) for i in range(5)]


def test_a_checkpoint_on_a_full_disk_stops_in_one_line_and_keeps_what_was_stored(mount, tmp_path):
    # purge rewrites the database file after a checkpoint: a full copy, which a full disk cannot hold.
    disk = mount(tmp_path / "disk", size="4m")
    database = disk / "lindeveen.duckdb"
    make_database(database, [row(i) for i in range(5)], tmp_path)
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    (disk / "filler").write_bytes(b"\0" * (free - 200_000))

    result = luisterpost(config_for(tmp_path, database), "purge", cwd=tmp_path)

    one_line_error(result, str(database), "the disk is full")
    (disk / "filler").unlink()
    assert stored_ids(database) == [str(i) for i in range(5)]


def test_a_harvest_on_a_full_disk_stops_in_one_line(mount, tmp_path):
    disk = mount(tmp_path / "disk", size="4m")
    database = disk / "lindeveen.duckdb"
    make_database(database, [row(i) for i in range(5)], tmp_path)
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    (disk / "filler").write_bytes(b"\0" * (free - 100_000))
    config = config_for(tmp_path, database, '\n[[sources]]\nkind = "demo"\nmonths = 2\nuntil = 2026-10-31\n')

    result = luisterpost(config, "harvest", cwd=tmp_path)

    one_line_error(result, str(disk), "the disk is full")
    (disk / "filler").unlink()
    assert stored_ids(database)[:5] == [str(i) for i in range(5)]


# -- read-only places ---------------------------------------------------------------------------------------


@pytest.fixture
def read_only_database(mount, tmp_path):
    """A database with five mentions on a read-only mount, its pseudonym key beside it."""
    folder = tmp_path / "readonly"
    folder.mkdir()
    database = folder / "lindeveen.duckdb"
    make_database(database, [row(i) for i in range(5)], tmp_path)
    (folder / "lindeveen.pseudonym-key").write_text("a" * 64, encoding="utf-8")
    (folder / "lindeveen.pseudonym-key").chmod(0o600)
    mount(folder, read_only=True)
    return database


def test_commands_that_read_work_on_a_read_only_mount(read_only_database, tmp_path):
    config = config_for(tmp_path, read_only_database)

    status = luisterpost(config, "status", cwd=tmp_path)
    metrics = luisterpost(config, "metrics", "--from", "2026-03-01", "--to", "2026-03-31", "--json", cwd=tmp_path)

    assert status.returncode == 0, status.stderr
    assert "mastodon:         5 mentions" in status.stdout
    assert metrics.returncode == 0, metrics.stderr
    assert json.loads(metrics.stdout)["mentions"] == 5


def test_import_into_a_database_on_a_read_only_mount_is_one_line(read_only_database, tmp_path):
    result = luisterpost(config_for(tmp_path, read_only_database), "import",
                         str(write_jsonl(tmp_path / "new.jsonl", [row(9)])), cwd=tmp_path)

    one_line_error(result, str(read_only_database.parent), "mounted read-only", "what was stored before is kept")
    assert stored_ids(read_only_database) == [str(i) for i in range(5)]


def test_a_database_path_that_cannot_be_created_is_one_line(mount, tmp_path):
    folder = mount(tmp_path / "readonly", read_only=True)
    config = config_for(tmp_path, folder / "data" / "lindeveen.duckdb")

    result = luisterpost(config, "import", str(write_jsonl(tmp_path / "new.jsonl", [row(9)])), cwd=tmp_path)

    one_line_error(result, str(folder), "mounted read-only")


@pytest.mark.parametrize("command", [
    ["report", "--month", "2026-03", "--format", "html", "--out", "{out}/reports"],
    ["export", "--month", "2026-03", "--out", "{out}/mentions.csv"],
    ["export", "--month", "2026-03", "--out", "{out}"],
])
def test_an_out_path_that_cannot_be_written_is_one_line(command, mount, tmp_path):
    database = tmp_path / "lindeveen.duckdb"
    make_database(database, [row(i) for i in range(5)], tmp_path)
    out = mount(tmp_path / "out", read_only=True)

    result = luisterpost(config_for(tmp_path, database), *[part.format(out=out) for part in command], cwd=tmp_path)

    one_line_error(result, str(out), "mounted read-only", "--out")


# -- a damaged database -------------------------------------------------------------------------------------


def damage_a_block(database: Path) -> bytes:
    """Flip 16 bytes inside the first data block of the mentions table; return the file's bytes after."""
    con = duckdb.connect(str(database), read_only=True)
    block = con.execute("SELECT min(block_id) FROM pragma_storage_info('mentions') WHERE block_id >= 0").fetchone()[0]
    block_size = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
    con.close()
    data = bytearray(database.read_bytes())
    start = FILE_HEADER_BYTES + block * block_size + 100
    data[start:start + 16] = bytes(b ^ 0xFF for b in data[start:start + 16])
    database.write_bytes(bytes(data))
    return bytes(data)


@pytest.fixture
def damaged(tmp_path):
    database = tmp_path / "data" / "lindeveen.duckdb"
    database.parent.mkdir()
    make_database(database, [row(i) for i in range(200)], tmp_path)
    (database.parent / "lindeveen.pseudonym-key").write_text("a" * 64, encoding="utf-8")
    return database, damage_a_block(database)


@pytest.mark.parametrize("command", [
    ["import", "{tmp}/new.jsonl"],
    ["harvest"],
])
def test_a_command_that_writes_says_the_database_is_damaged_and_writes_nothing_into_it(command, damaged, tmp_path):
    database, before = damaged
    write_jsonl(tmp_path / "new.jsonl", [row(1000)])
    sources = '\n[[sources]]\nkind = "demo"\nmonths = 1\nuntil = 2026-10-31\n' if command == ["harvest"] else ""

    result = luisterpost(config_for(tmp_path, database, sources), *[p.format(tmp=tmp_path) for p in command],
                         cwd=tmp_path)

    one_line_error(result, str(database), "damaged", "checksum", "restore it from the last backup")
    assert database.read_bytes() == before
    assert not database.with_name(database.name + ".wal").exists()


@pytest.mark.parametrize("command", [
    ["status"],
    ["metrics", "--from", "2026-10-01", "--to", "2026-10-31"],
    ["export", "--month", "2026-10", "--out", "{tmp}/out"],
    ["report", "--month", "2026-10", "--format", "html", "--out", "{tmp}/out"],
])
def test_a_command_that_reads_a_damaged_block_says_so_in_one_line_and_changes_nothing(command, damaged, tmp_path):
    # Readers do not read the whole file first (seconds on a large one): what they read intact is right, and a
    # damaged block they do read is one line.
    database, before = damaged
    result = luisterpost(config_for(tmp_path, database, ""), *[p.format(tmp=tmp_path) for p in command],
                         cwd=tmp_path)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    if result.returncode != 0:
        one_line_error(result, str(database), "damaged", "checksum", "restore it from the last backup")
    assert database.read_bytes() == before


# -- a killed command leaves no server ----------------------------------------------------------------------


def children_of(pid: int) -> list[int]:
    """The processes started by any thread of process `pid`."""
    found = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(p) for p in children.read_text().split()]
        except FileNotFoundError:
            pass  # the thread ended meanwhile
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status is left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signals are Linux's")
def test_a_harvest_killed_with_kill_9_leaves_no_prefect_server(tmp_path):
    config = config_for(tmp_path, tmp_path / "lindeveen.duckdb",
                        '\n[[sources]]\nkind = "demo"\nmonths = 13\nuntil = 2026-10-31\n')
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / ".prefect"), "PYTHONPATH": str(ROOT)}
    env.pop("PREFECT_API_URL", None)
    cli = subprocess.Popen([sys.executable, "-m", "luisterpost", "--config", str(config), "harvest"], cwd=tmp_path,
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        servers: list[int] = []
        while time.monotonic() < deadline and not servers:
            servers = [c for c in children_of(cli.pid)
                       if b"uvicorn" in Path(f"/proc/{c}/cmdline").read_bytes()] if alive(cli.pid) else []
            time.sleep(0.2)
        assert servers, "the harvest started no Prefect server"
        cli.send_signal(signal.SIGKILL)
        cli.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(s) for s in servers):
            time.sleep(0.1)
        left = [s for s in servers if alive(s)]
    finally:
        if cli.poll() is None:
            cli.kill()
    for pid in left:  # clean up before failing: a server left behind would outlive the test run
        os.kill(pid, signal.SIGKILL)
    assert not left, f"Prefect server process {left} outlived the harvest killed with kill -9"
