"""Backup and restore of one municipality's database with its pseudonym key (docs/operations.md, *Backup and
restore*).

A backup is a byte-for-byte copy of the database file (and its write-ahead log, when there is one), taken
while this process holds a read turn on it: no writer can open the file while a reader has it, so the file and
its log are copied as one consistent state, also while a harvest runs (it waits for the copy between its
batches). A byte copy, not DuckDB's `COPY FROM DATABASE`: it keeps the file exactly as it is, an encrypted file
encrypted with the same key, needs no OpenSSL to write an encrypted copy, and changes nothing in the database
(no migration is applied by a backup: the backup of an older version's database stays restorable with it).

The pseudonym key goes along (the pseudonyms and the suppression list are keyed with it); the database key
never does: it stays in its environment variable or secret, like the pseudonym key when that comes from the
environment (the manifest says so). Restoring checks every file against the manifest's checksums, refuses a
schema newer than this version knows or a different pseudonym key, keeps the current database beside it and
puts the backup's files in place each in one step."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from ..errors import UserError
from ..filemodes import OWNER_ONLY, create_private, keep_private
from .access import WAIT_SECONDS, SharedFile, _holder, database_opener, in_use, sole_run

if TYPE_CHECKING:
    from ..config import Config

MANIFEST = "manifest.json"
FORMAT = 1  # of the manifest; a later format may add fields, never change these
FOLDER_MODE = 0o700
CHUNK = 1 << 20
# The message a key's fingerprint is an HMAC of: it tells whether two keys are the same and nothing else.
_FINGERPRINT = b"luisterpost backup: which pseudonym key"


@dataclass(frozen=True)
class BackupFile:
    role: str  # "database", "wal" (its write-ahead log) or "pseudonym_key"
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Backup:
    """A backup made: its folder and the manifest's contents."""

    folder: Path
    files: tuple[BackupFile, ...]
    schema_version: int
    encrypted: bool
    key_source: str  # "file", "environment" or "none"


@dataclass(frozen=True)
class Restored:
    """A restore done: what it restored and where the replaced files were kept."""

    backup: Path
    created_at: str
    schema_from: int  # the backup's schema version
    schema_now: int  # after opening it once (migrations applied)
    mentions: int
    last_harvest: datetime | None
    last_harvest_status: str | None
    kept: tuple[Path, ...]  # the files the restore replaced, kept under new names


def stamp(now: datetime) -> str:
    """A UTC time as a name part: 20261129T113554Z."""
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


# -- backup ------------------------------------------------------------------------------------------------------


def backup(config: Config, target: Path, key: str | None, *, now: datetime | None = None,
           wait: float = WAIT_SECONDS, on_wait: Callable[[str], None] | None = None) -> Backup:
    """Copy the database of `config` (encrypted with `key`, or not), its log and the pseudonym key file into a new
    folder `<slug>-<UTC time>/` in `target`, with `manifest.json`; files mode 600, the folder 700. Returns what
    was written. Waits its turn for the file while another process writes it (at most `wait` s, `on_wait` told).
    UserError when there is no database, its key does not open it, or the folder cannot be written (nothing is
    left behind then)."""
    path = config.database_path
    if not path.exists():
        raise UserError(f"{path}: no database to back up (nothing was harvested or imported yet)")
    if target.exists() and not target.is_dir():
        raise UserError(f"{target}: not a folder: give the folder the backup is to be made in")
    now = now or datetime.now(UTC)
    key_source, pseudonym_key, key_fingerprint = _pseudonym_key(config)
    keep_private()
    folder = _new_folder(target, f"{config.municipality.slug}-{stamp(now)}")
    part = folder.with_name(f".{folder.name}.part")
    try:
        _make_folder(part)
        files: list[BackupFile] = []
        shared = SharedFile(path, _read_only_opener(path, key), wait=wait, on_wait=on_wait)
        with shared.read() as con:  # no writer changes the file or its log until the copy is done
            schema = con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
            files.append(_copy_file(path, part / path.name, "database"))
            wal = path.with_name(path.name + ".wal")
            if wal.exists():
                files.append(_copy_file(wal, part / wal.name, "wal"))
        if pseudonym_key is not None:
            files.append(_copy_file(pseudonym_key, part / pseudonym_key.name, "pseudonym_key"))
        manifest = _manifest(config, now, schema, key is not None, files, key_source, key_fingerprint)
        create_private(part / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
        part.rename(folder)
    except OSError as exc:
        shutil.rmtree(part, ignore_errors=True)
        raise UserError(f"{target}: cannot write the backup: {exc.strerror or exc}; nothing was kept") from None
    except BaseException:
        shutil.rmtree(part, ignore_errors=True)
        raise
    return Backup(folder, tuple(files), schema, key is not None, key_source)


def _pseudonym_key(config: Config) -> tuple[str, Path | None, str | None]:
    """Where the pseudonym key comes from ("file", "environment" or "none"), the key file to copy, and the
    key's fingerprint. A key that is too short or damaged is refused as every command refuses it."""
    from ..metrics.privacy import load_key

    privacy, file = config.privacy, config.pseudonym_key_file
    if os.environ.get(privacy.key_env):
        return "environment", None, fingerprint(load_key(privacy.key_env, file))
    if file.exists():
        return "file", file, fingerprint(load_key(privacy.key_env, file))
    return "none", None, None


def fingerprint(key: bytes) -> str:
    """A keyed hash that is the same for the same pseudonym key and tells nothing about it."""
    return hmac.new(key, _FINGERPRINT, hashlib.sha256).hexdigest()


def _read_only_opener(path: Path, key: str | None) -> Callable[[bool], duckdb.DuckDBPyConnection]:
    """Opens the file read-only, always, and as it is: a backup applies no migration."""
    from .encryption import connect_encrypted, plain_open_error

    def opener(_read_only: bool) -> duckdb.DuckDBPyConnection:
        if key is not None:
            return connect_encrypted(path, key, read_only=True)
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            if in_use(exc):
                raise
            raise plain_open_error(path, exc) from None

    return opener


def _new_folder(target: Path, name: str) -> Path:
    """`target/name`, or with -2, -3… added when a backup of the same second is there."""
    folder, n = target / name, 1
    while folder.exists():
        n += 1
        folder = target / f"{name}-{n}"
    return folder


def _make_folder(folder: Path) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.mkdir(mode=FOLDER_MODE)
    folder.chmod(FOLDER_MODE)  # whatever the umask


def _manifest(config: Config, now: datetime, schema: int, encrypted: bool, files: list[BackupFile],
              key_source: str, key_fingerprint: str | None) -> dict[str, Any]:
    from .. import __version__

    key: dict[str, Any] = {"source": key_source, "fingerprint": key_fingerprint}
    if key_source == "environment":
        key["variable"] = config.privacy.key_env
        key["note"] = (f"the pseudonym key comes from the environment variable {config.privacy.key_env} and is not "
                       "in this backup: keep it with the backup, a restore needs the same key")
    elif key_source == "none":
        key["note"] = "there was no pseudonym key yet"
    return {
        "format": FORMAT,
        "luisterpost_version": __version__,
        "municipality": {"name": config.municipality.name, "slug": config.municipality.slug},
        "created_at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "schema_version": schema,
        "encrypted": encrypted,
        "database": config.database_path.name,
        "pseudonym_key": key,
        "files": [{"role": f.role, "name": f.name, "size": f.size, "sha256": f.sha256} for f in files],
    }


def _copy_file(source: Path, target: Path, role: str) -> BackupFile:
    """Copy `source` to the new file `target` (mode 600), flushed to disk; its size and sha256."""
    digest, size = hashlib.sha256(), 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
    try:
        with source.open("rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    return BackupFile(role, target.name, size, digest.hexdigest())


# -- restore -----------------------------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the backup in `folder`, every file it lists checked against its size and sha256.
    UserError naming the file for a folder that is no backup, a damaged manifest, a missing or changed file."""
    file = folder / MANIFEST
    if not folder.is_dir():
        raise UserError(f"{folder}: no such folder (give a backup folder made by `luisterpost backup`)")
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        inside = sorted(each.name for each in folder.iterdir() if (each / MANIFEST).is_file())
        hint = f"; the backups in it: {', '.join(inside[-3:])} (give one of them)" if inside else ""
        raise UserError(f"{file}: missing: {folder} is not a backup folder made by `luisterpost backup`"
                        f"{hint}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{file}: cannot read the manifest: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        manifest = json.loads(text)
        files = [(f["role"], f["name"], int(f["size"]), str(f["sha256"])) for f in manifest["files"]]
        int(manifest["schema_version"])
        bool(manifest["encrypted"])
        manifest["pseudonym_key"]["source"]
    except json.JSONDecodeError as exc:
        raise UserError(f"{file}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"{file}: not a backup manifest (missing or wrong field {exc})") from None
    roles = [role for role, *_ in files]
    if roles.count("database") != 1:
        raise UserError(f"{file}: lists {roles.count('database')} database files; a backup holds one")
    for _role, name, size, sha in files:
        if Path(name).name != name or name in ("", ".", ".."):
            raise UserError(f"{file}: file name {name!r} is not a plain file name")
        path = folder / name
        if not path.is_file():
            raise UserError(f"{path}: listed in the manifest but missing: the backup is incomplete; nothing was "
                            "restored")
        found_size, found_sha = _digest(path)
        if (found_size, found_sha) != (size, sha):
            raise UserError(f"{path}: does not match the manifest (sha256 {found_sha[:12]}…, {found_size:,} bytes; "
                            f"expected {sha[:12]}…, {size:,} bytes): the backup is damaged; nothing was restored")
    return manifest


def restore(config: Config, folder: Path, key: str | None, *, force: bool = False, now: datetime | None = None,
            wait: float = WAIT_SECONDS, on_wait: Callable[[str], None] | None = None) -> Restored:
    """Put the backup in `folder` in the place of the database (and pseudonym key file) of `config`, then open
    it once (migrations apply to an older backup). The current files are kept beside them, named
    `<name>.before-restore-<UTC time>`. Refused (UserError, nothing changed) when the backup is damaged, its
    schema is newer than this version knows, a harvest or another command has the database, or — unless
    `force` — it is another municipality's or its pseudonym key differs from the one in use."""
    from .db import migrations

    manifest = read_manifest(folder)
    latest = migrations()[-1][0]
    schema = int(manifest["schema_version"])
    if schema > latest:
        raise UserError(f"{folder}: the backup has database schema version {schema}, newer than this version of "
                        f"Luisterpost knows ({latest}; the backup was made by luisterpost "
                        f"{manifest.get('luisterpost_version', '?')}): restore it with that version or a newer one")
    _check_encryption(folder, bool(manifest["encrypted"]), key)
    if not force:
        _check_same_municipality(folder, manifest, config)
        _check_same_key(folder, manifest, config)
    now = now or datetime.now(UTC)
    path = config.database_path
    keep_private()
    path.parent.mkdir(parents=True, exist_ok=True)
    files = {f["role"]: (folder / f["name"], f["sha256"]) for f in manifest["files"]}
    targets = {"database": path, "wal": path.with_name(path.name + ".wal")}
    try:
        with sole_run(path, "harvest"), _queue_turn(path):
            moved = _set_aside(path, key, stamp(now))
            placed: list[Path] = []
            try:
                for role, target in targets.items():
                    if role in files:
                        _put_in_place(*files[role], target)
                        placed.append(target)
                kept = [aside for aside, _ in moved] + _restore_key(files.get("pseudonym_key"), config, stamp(now))
            except BaseException:
                # Half a restore is worse than none: the database as it was goes back in its place.
                for target in placed:
                    target.unlink(missing_ok=True)
                for aside, original in moved:
                    os.replace(aside, original)
                raise
    except OSError as exc:
        raise UserError(f"{path}: cannot restore: {exc.strerror or exc}; nothing was restored") from None
    # Opened once as a writer, after waiting its turn: applies the migrations a backup of an older version lacks.
    con = SharedFile(path, database_opener(path, key), wait=wait, on_wait=on_wait).connect(read_only=False)
    try:
        schema_now = con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
        mentions = con.execute("SELECT count(*) FROM mentions").fetchone()[0]
        last = con.execute("SELECT started_at, status FROM harvest_runs WHERE kind = 'harvest'"
                           " ORDER BY started_at DESC LIMIT 1").fetchall()
    finally:
        con.close()
    return Restored(folder, str(manifest.get("created_at", "?")), schema, schema_now, mentions,
                    last[0][0] if last else None, last[0][1] if last else None, tuple(kept))


def _check_encryption(folder: Path, encrypted: bool, key: str | None) -> None:
    if encrypted and key is None:
        raise UserError(f"{folder}: the backup's database is encrypted, but [storage] names no key: set "
                        "encryption_key_env or encryption_key_secret to the key it was encrypted with")
    if not encrypted and key is not None:
        raise UserError(f"{folder}: the backup's database is not encrypted, but [storage] asks for encryption: "
                        "restore it without encryption_key_env and encryption_key_secret, then run `luisterpost "
                        "encrypt`")


def _check_same_municipality(folder: Path, manifest: dict[str, Any], config: Config) -> None:
    slug = (manifest.get("municipality") or {}).get("slug")
    if slug and slug != config.municipality.slug:
        raise UserError(f"{folder}: the backup is of municipality '{slug}', the config of "
                        f"'{config.municipality.slug}'; use --force to restore it all the same")


def _check_same_key(folder: Path, manifest: dict[str, Any], config: Config) -> None:
    """The pseudonyms and the suppression list hold only with the key they were made with."""
    from ..metrics.privacy import load_key

    privacy, key_file = config.privacy, config.pseudonym_key_file
    theirs = manifest["pseudonym_key"].get("fingerprint")
    from_env = bool(os.environ.get(privacy.key_env))
    current = fingerprint(load_key(privacy.key_env, key_file)) if from_env or key_file.exists() else None
    consequence = ("the pseudonyms in reports and the suppression list depend on it; use --force to restore "
                   "all the same")
    if manifest["pseudonym_key"]["source"] == "environment":
        variable = manifest["pseudonym_key"].get("variable", privacy.key_env)
        if current is None:
            raise UserError(f"{folder}: the backup's pseudonym key came from the environment variable {variable} "
                            f"and is not in the backup; set {privacy.key_env} to that key first ({consequence})")
    if theirs and current and theirs != current:
        where = f"the environment variable {privacy.key_env}" if from_env else str(key_file)
        raise UserError(f"{folder}: the pseudonym key in use ({where}) differs from the backup's: {consequence}")


@contextlib.contextmanager
def _queue_turn(path: Path) -> Iterator[None]:
    """Hold the queue file of `path` exclusively (store.access): every other Luisterpost process waits before
    opening the database until this lets go. UserError when someone is queued already."""
    fd = os.open(path.with_name(path.name + ".queue"), os.O_RDWR | os.O_CREAT, OWNER_ONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(f"{path}: in use by another Luisterpost command; restore when it has finished") from None
        yield
    finally:
        os.close(fd)


def _set_aside(path: Path, key: str | None, when: str) -> list[tuple[Path, Path]]:
    """Move the current database (and its log) to `<name>.before-restore-<when>`; (kept as, was) each. The file is
    opened once first: refused when another process has it, and its log is folded into it when it opens."""
    from .encryption import connect_encrypted

    if not path.exists():
        return []
    try:
        con = connect_encrypted(path, key) if key is not None else duckdb.connect(str(path))
    except (duckdb.Error, UserError) as exc:
        if in_use(exc):
            holder = _holder(exc)
            by = f" by {holder}" if holder else ""
            raise UserError(f"{path}: in use{by} (a harvest, an import or a report of this municipality); restore "
                            "when it has finished; nothing was changed") from None
        con = None  # a damaged database, or one the key does not open: set aside as it is
    if con is not None:
        with contextlib.suppress(duckdb.Error):
            con.execute("CHECKPOINT")
        con.close()
    kept = []
    for each in (path, path.with_name(path.name + ".wal")):
        if each.exists():
            aside = _aside_name(path, when, each.name[len(path.name):])
            os.replace(each, aside)
            kept.append((aside, each))
    return kept


def _aside_name(path: Path, when: str, suffix: str = "") -> Path:
    """`<name>.before-restore-<when>` (+ `.wal` for its log, so the kept pair opens as one database)."""
    return path.with_name(f"{path.name}.before-restore-{when}{suffix}")


def _restore_key(backed_up: tuple[Path, str] | None, config: Config, when: str) -> list[Path]:
    """Put the backup's pseudonym key file in place, unless the key comes from the environment (then nothing is
    written to disk). A different key file already there is kept beside it; the kept paths."""
    target = config.pseudonym_key_file
    if backed_up is None or os.environ.get(config.privacy.key_env):
        return []
    source = backed_up[0]
    kept = []
    if target.exists() and target.read_bytes() != source.read_bytes():
        aside = _aside_name(target, when)
        shutil.copy2(target, aside)
        aside.chmod(OWNER_ONLY)
        kept.append(aside)
    _put_in_place(*backed_up, target)
    return kept


def _put_in_place(source: Path, sha256: str, target: Path) -> None:
    """Copy `source` to a temporary file beside `target` (mode 600), then replace `target` with it in one step.
    UserError, `target` untouched, when the copy's checksum is not `sha256` (the backup changed meanwhile)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.restoring")
    try:
        if _copy_file(source, temp, "").sha256 != sha256:
            raise UserError(f"{source}: changed since it was checked against the manifest; nothing was restored")
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def _digest(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()
