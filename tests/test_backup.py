"""Backup and restore with real DuckDB files: a backup is the data as it was, consistent beside a process that
writes; a restore brings it back, keeps what it replaces, and refuses a damaged backup, a newer schema, a
different pseudonym key or a database in use."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from luisterpost.config import load_config
from luisterpost.errors import UserError
from luisterpost.importer import import_file
from luisterpost.metrics.privacy import load_key
from luisterpost.store import open_db
from luisterpost.store.access import sole_run
from luisterpost.store.backup import MANIFEST, backup, fingerprint, restore
from luisterpost.store.db import migrations
from tests.test_keys_and_files import DATABASE_KEY, SECRET_TEXT, writable_encryption  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[1]
KEY_ENV = "LUISTERPOST_TEST_BACKUP_PSEUDONYM_KEY"
DB_KEY_ENV = "LUISTERPOST_TEST_BACKUP_DB_KEY"
AT = datetime(2026, 11, 29, 11, 35, 54, tzinfo=UTC)
LATEST = migrations()[-1][0]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def config(write_config, monkeypatch):
    """Lindeveen's config, its pseudonym key in a file (the variable unset), the database with one mention."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    config = load_config(write_config(f'[privacy]\nkey_env = "{KEY_ENV}"\n'))
    load_key(KEY_ENV, config.pseudonym_key_file)  # made on first use, as a harvest does
    _add(config, "1", "het fietspad bij de school is eindelijk klaar")
    return config


def _add(config, id: str, text: str, key: str | None = None) -> None:
    folder = config.database_path.parent
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / f"m{id}.jsonl"
    file.write_text(json.dumps({"platform": "mastodon", "id": id, "created_at": "2026-10-01T10:00:00Z",
                                "author_handle": "anouk", "text": text}), encoding="utf-8")
    con = open_db(config.database_path, key)
    import_file(con, file)
    con.close()


def _texts(config, key: str | None = None) -> list[str]:
    con = open_db(config.database_path, key)
    try:
        return [row[0] for row in con.execute("SELECT text FROM mentions ORDER BY id").fetchall()]
    finally:
        con.close()


def test_a_restore_brings_back_the_data_as_it_was_at_the_backup(config, tmp_path):
    made = backup(config, tmp_path / "backups", None, now=AT)
    assert made.folder == tmp_path / "backups" / "lindeveen-20261129T113554Z"
    assert mode(made.folder) == 0o700
    # The database was closed cleanly: no log (what a log holds is tested below).
    assert sorted(p.name for p in made.folder.iterdir()) == ["lindeveen.duckdb", "lindeveen.pseudonym-key", MANIFEST]
    assert all(mode(p) == 0o600 for p in made.folder.iterdir())
    manifest = json.loads((made.folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["schema_version"] == LATEST and manifest["encrypted"] is False
    assert manifest["municipality"] == {"name": "Lindeveen", "slug": "lindeveen"}
    assert manifest["created_at"] == "2026-11-29T11:35:54+00:00"
    assert manifest["pseudonym_key"]["source"] == "file"
    key_entry = next(f for f in manifest["files"] if f["role"] == "pseudonym_key")
    assert (made.folder / key_entry["name"]).read_bytes() == config.pseudonym_key_file.read_bytes()
    assert key_entry["size"] == 64

    _add(config, "2", "na de backup geschreven")
    assert _texts(config) == ["het fietspad bij de school is eindelijk klaar", "na de backup geschreven"]

    done = restore(config, made.folder, None, now=datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    assert _texts(config) == ["het fietspad bij de school is eindelijk klaar"]
    assert done.mentions == 1 and done.schema_from == done.schema_now == LATEST
    assert mode(config.database_path) == 0o600
    # The database the restore replaced is kept, whole: renaming it back undoes the restore.
    kept = config.database_path.with_name("lindeveen.duckdb.before-restore-20261130T080000Z")
    assert done.kept == (kept,)
    con = open_db(kept)
    assert con.execute("SELECT count(*) FROM mentions").fetchone()[0] == 2
    con.close()
    assert not list(config.database_path.parent.glob("*.restoring"))


def test_a_damaged_backup_is_refused_and_nothing_changes(config, tmp_path):
    made = backup(config, tmp_path / "backups", None, now=AT)
    copy = made.folder / "lindeveen.duckdb"
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    _add(config, "2", "na de backup geschreven")
    with pytest.raises(UserError) as refused:
        restore(config, made.folder, None)
    assert str(refused.value).startswith(f"{copy}: does not match the manifest (sha256 ")
    assert str(refused.value).endswith("the backup is damaged; nothing was restored")
    assert len(_texts(config)) == 2
    assert not list(config.database_path.parent.glob("*.before-restore-*"))


def test_a_folder_without_manifest_or_with_a_missing_file_is_refused(config, tmp_path):
    with pytest.raises(UserError, match=f"{tmp_path}/manifest.json: missing: {tmp_path} is not a backup folder"):
        restore(config, tmp_path, None)
    made = backup(config, tmp_path / "backups", None, now=AT)
    (made.folder / "lindeveen.pseudonym-key").unlink()
    with pytest.raises(UserError, match="lindeveen.pseudonym-key: listed in the manifest but missing"):
        restore(config, made.folder, None)


def test_a_different_pseudonym_key_is_refused_unless_forced(config, tmp_path):
    made = backup(config, tmp_path / "backups", None, now=AT)
    backed_up_key = config.pseudonym_key_file.read_bytes()
    other_key = b"fedcba9876543210" * 4
    config.pseudonym_key_file.write_bytes(other_key)
    with pytest.raises(UserError) as refused:
        restore(config, made.folder, None)
    assert str(refused.value) == (
        f"{made.folder}: the pseudonym key in use ({config.pseudonym_key_file}) differs from the backup's: the "
        "pseudonyms in reports and the suppression list depend on it; use --force to restore all the same")
    assert config.pseudonym_key_file.read_bytes() == other_key

    done = restore(config, made.folder, None, force=True, now=datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    assert config.pseudonym_key_file.read_bytes() == backed_up_key
    assert mode(config.pseudonym_key_file) == 0o600
    kept_key = config.pseudonym_key_file.with_name("lindeveen.pseudonym-key.before-restore-20261130T080000Z")
    assert kept_key in done.kept and kept_key.read_bytes() == other_key and mode(kept_key) == 0o600


def test_a_key_from_the_environment_is_named_not_written(config, tmp_path, monkeypatch):
    key = "0123456789abcdef" * 4
    monkeypatch.setenv(KEY_ENV, key)
    made = backup(config, tmp_path / "backups", None, now=AT)
    assert made.key_source == "environment"
    assert not (made.folder / "lindeveen.pseudonym-key").exists()
    manifest = (made.folder / MANIFEST).read_text(encoding="utf-8")
    assert key not in manifest and key not in "".join(p.read_text(errors="replace") for p in made.folder.iterdir())
    entry = json.loads(manifest)["pseudonym_key"]
    assert entry["source"] == "environment" and entry["variable"] == KEY_ENV
    assert entry["fingerprint"] == fingerprint(key.encode())
    assert f"comes from the environment variable {KEY_ENV} and is not in this backup" in entry["note"]

    monkeypatch.delenv(KEY_ENV)
    config.pseudonym_key_file.unlink()
    with pytest.raises(UserError, match=f"the backup's pseudonym key came from the environment variable {KEY_ENV} "
                                        f"and is not in the backup; set {KEY_ENV} to that key first"):
        restore(config, made.folder, None)
    monkeypatch.setenv(KEY_ENV, key)
    restore(config, made.folder, None)
    assert not config.pseudonym_key_file.exists()  # the key stays in the environment only


def test_a_backup_of_a_newer_schema_is_refused(config, tmp_path):
    con = open_db(config.database_path)
    con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, 'from_a_later_version')", [LATEST + 1])
    con.close()
    made = backup(config, tmp_path / "backups", None, now=AT)
    assert made.schema_version == LATEST + 1
    with pytest.raises(UserError, match=f"the backup has database schema version {LATEST + 1}, newer than this "
                                        f"version of Luisterpost knows \\({LATEST}; "):
        restore(config, made.folder, None)


def test_a_backup_of_an_older_schema_is_migrated_when_restored(config, tmp_path, monkeypatch):
    # The database of the version before the last migration: made with every migration but the last one.
    import luisterpost.store.db as db_module

    every = db_module.migrations()
    monkeypatch.setattr(db_module, "migrations", lambda: every[:-1])
    for made in (config.database_path, config.database_path.with_name(config.database_path.name + ".wal")):
        made.unlink(missing_ok=True)
    open_db(config.database_path).close()
    made = backup(config, tmp_path / "backups", None, now=AT)
    monkeypatch.undo()
    assert made.schema_version == LATEST - 1
    done = restore(config, made.folder, None)
    assert (done.schema_from, done.schema_now) == (LATEST - 1, LATEST)
    con = open_db(config.database_path)
    assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == LATEST
    con.close()


def test_an_encrypted_database_stays_encrypted_in_its_backup(write_config, tmp_path, monkeypatch,
                                                             writable_encryption):  # noqa: F811
    monkeypatch.delenv(KEY_ENV, raising=False)
    config = load_config(write_config(f'[privacy]\nkey_env = "{KEY_ENV}"\n[storage]\nencryption_key_env = '
                                      f'"{DB_KEY_ENV}"\n'))
    _add(config, "1", SECRET_TEXT, DATABASE_KEY)
    made = backup(config, tmp_path / "backups", DATABASE_KEY, now=AT)
    assert made.encrypted and json.loads((made.folder / MANIFEST).read_text())["encrypted"] is True
    for file in made.folder.iterdir():
        assert SECRET_TEXT.encode() not in file.read_bytes() and DATABASE_KEY.encode() not in file.read_bytes()
    _add(config, "2", "na de backup", DATABASE_KEY)
    with pytest.raises(UserError, match="the backup's database is encrypted, but .storage. names no key"):
        restore(config, made.folder, None)
    restore(config, made.folder, DATABASE_KEY)
    assert _texts(config, DATABASE_KEY) == [SECRET_TEXT]
    assert SECRET_TEXT.encode() not in config.database_path.read_bytes()


def _writer(path: Path, hold: float) -> subprocess.Popen:
    """A second process that holds a write turn on `path` for `hold` seconds (tests/access_worker.py)."""
    process = subprocess.Popen([sys.executable, "-m", "tests.access_worker", "write", str(path), "1", "0", str(hold)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "write 0 holding\n", process.stderr.read()  # it has the file now
    return process


def test_a_backup_waits_for_a_writer_in_another_process_and_holds_its_write(config, tmp_path):
    writer = _writer(config.database_path, hold=1.5)
    told = []
    made = backup(config, tmp_path / "backups", None, now=AT, wait=60, on_wait=told.append)
    writer.communicate(timeout=60)
    assert writer.returncode == 0
    assert told and "is in use" in told[0]
    restored = tmp_path / "restored.duckdb"  # the backup opened on its own: the writer's row is in it
    for file in made.files:
        if file.role in ("database", "wal"):
            (tmp_path / file.name.replace("lindeveen.duckdb", "restored.duckdb")).write_bytes(
                (made.folder / file.name).read_bytes())
    con = open_db(restored)
    assert con.execute("SELECT source, query FROM watermarks").fetchall() == [("worker", "0")]
    assert con.execute("SELECT count(*) FROM mentions").fetchone()[0] == 1
    con.close()


def test_a_restore_is_refused_while_a_harvest_runs_or_another_process_has_the_database(config, tmp_path):
    made = backup(config, tmp_path / "backups", None, now=AT)
    with sole_run(config.database_path, "harvest"), pytest.raises(UserError, match="another harvest of this "
                                                                                   "database is running"):
        restore(config, made.folder, None)
    writer = _writer(config.database_path, hold=3)
    try:
        with pytest.raises(UserError, match=f"{config.database_path}: in use by process {writer.pid} .*restore "
                                            "when it has finished; nothing was changed"):
            restore(config, made.folder, None)
    finally:
        writer.communicate(timeout=60)
    assert not list(config.database_path.parent.glob("*.before-restore-*"))


def luisterpost(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != KEY_ENV}
    return subprocess.run([sys.executable, "-m", "luisterpost", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT)


def test_the_commands_print_what_they_did_and_user_errors_are_one_line(config, tmp_path):
    config_file = str(config.base_dir / "gemeente.toml")
    made = luisterpost("--config", config_file, "backup", str(tmp_path / "backups"))
    assert made.returncode == 0, made.stderr
    folder = Path(made.stdout.splitlines()[0].removeprefix("backup: "))
    assert folder.parent == tmp_path / "backups" and folder.name.startswith("lindeveen-")
    assert "  lindeveen.duckdb: " in made.stdout and " MB" in made.stdout and "not encrypted" in made.stdout

    restored = luisterpost("--config", config_file, "restore", str(folder))
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith(f"restored {config.database_path} from {folder} (made ")
    assert "  1 mention; last harvest none" in restored.stdout
    assert "kept the replaced file as " in restored.stdout

    config.pseudonym_key_file.write_text("fedcba9876543210" * 4, encoding="utf-8")
    other_key = luisterpost("--config", config_file, "restore", str(folder))
    assert other_key.returncode == 2 and "differs from the backup's" in other_key.stderr
    forced = luisterpost("--config", config_file, "restore", "--force", str(folder))
    assert forced.returncode == 0, forced.stderr
    assert config.pseudonym_key_file.read_bytes() == (folder / "lindeveen.pseudonym-key").read_bytes()

    unwritable = tmp_path / "read-only"
    unwritable.mkdir(mode=0o500)
    errors = [luisterpost("--config", config_file, "restore", str(tmp_path / "backups"))]
    if os.geteuid() != 0:  # root writes anywhere
        errors.append(luisterpost("--config", config_file, "backup", str(unwritable)))
    for result in errors:
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert (f"backups/manifest.json: missing: {tmp_path}/backups is not a backup folder made by `luisterpost "
            f"backup`; the backups in it: {folder.name} (give one of them)") in errors[0].stderr


@pytest.mark.parametrize("failing", ["write", "fsync"])
def test_a_full_disk_leaves_no_backup_behind(config, tmp_path, monkeypatch, failing):
    def no_space(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    target = tmp_path / "backups"
    monkeypatch.setattr(os, failing, no_space)
    with pytest.raises(UserError) as refused:
        backup(config, target, None, now=AT)
    assert str(refused.value) == f"{target}: cannot write the backup: No space left on device; nothing was kept"
    assert list(target.iterdir()) == []  # not even the half-written folder
    monkeypatch.undo()
    assert backup(config, target, None, now=AT).folder.exists()


def test_a_backup_into_a_file_is_one_clear_message(config, tmp_path):
    target = tmp_path / "not-a-folder"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(UserError, match=f"{target}: not a folder: give the folder the backup is to be made in"):
        backup(config, target, None, now=AT)


def test_what_is_only_in_the_write_ahead_log_comes_along(config, tmp_path):
    # A process stopped without closing the database leaves its last writes in the log (`.wal`).
    stopped = subprocess.run([sys.executable, "-c", "import os, sys\nfrom luisterpost.store import open_db\n"
                              "con = open_db(sys.argv[1])\n"
                              "con.execute(\"INSERT INTO watermarks VALUES ('log', 'q', 'v', now())\")\n"
                              "os._exit(0)", str(config.database_path)], cwd=ROOT, capture_output=True, text=True)
    assert stopped.returncode == 0, stopped.stderr
    wal = config.database_path.with_name("lindeveen.duckdb.wal")
    assert wal.exists() and wal.stat().st_size > 0
    made = backup(config, tmp_path / "backups", None, now=AT)
    assert [f.role for f in made.files] == ["database", "wal", "pseudonym_key"]
    con = open_db(config.database_path)
    con.execute("DELETE FROM watermarks")
    con.close()
    restore(config, made.folder, None)
    con = open_db(config.database_path)
    assert con.execute("SELECT source FROM watermarks").fetchall() == [("log",)]
    con.close()


def test_a_restore_that_fails_part_way_leaves_the_database_as_it_was(config, tmp_path, monkeypatch):
    made = backup(config, tmp_path / "backups", None, now=AT)
    _add(config, "2", "na de backup geschreven")
    replace = os.replace

    def full_disk_at_the_key(source, target):
        if Path(target) == config.pseudonym_key_file:  # the database is in place by then
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        replace(source, target)

    monkeypatch.setattr(os, "replace", full_disk_at_the_key)
    config.pseudonym_key_file.unlink()  # a key file is restored: the one the backup holds
    with pytest.raises(UserError) as refused:
        restore(config, made.folder, None)
    assert str(refused.value) == f"{config.database_path}: cannot restore: No space left on device; nothing was restored"
    monkeypatch.undo()
    assert len(_texts(config)) == 2
    assert not list(config.database_path.parent.glob("*.before-restore-*"))
    assert not list(config.database_path.parent.glob(".*.restoring"))


def test_a_damaged_manifest_or_another_municipalitys_backup_is_refused(config, tmp_path, write_config):
    made = backup(config, tmp_path / "backups", None, now=AT)
    other = load_config(write_config(f'[municipality]\nname = "Oosterbroek"\n[privacy]\nkey_env = "{KEY_ENV}"\n',
                                     name="oosterbroek.toml"))
    with pytest.raises(UserError, match=f"{made.folder}: the backup is of municipality 'lindeveen', the config of "
                                        "'oosterbroek'; use --force to restore it all the same"):
        restore(other, made.folder, None)
    assert not other.database_path.exists()
    manifest = made.folder / MANIFEST
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('"files": [', '"files": [[', 1), encoding="utf-8")
    with pytest.raises(UserError, match=f"{manifest}:[0-9]+: not valid JSON"):
        restore(config, made.folder, None)
    manifest.write_text("{}", encoding="utf-8")
    with pytest.raises(UserError, match=f"{manifest}: not a backup manifest \\(missing or wrong field 'files'\\)"):
        restore(config, made.folder, None)
