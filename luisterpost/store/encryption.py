"""Encryption at rest: the database key from the config's environment variable or secret, and opening an
encrypted DuckDB file with it (docs/operations.md, *Versleuteling*).

The key is only ever held in memory and handed to DuckDB as a bound parameter, never as statement text:
it cannot show up in a log, an error message, the database or a report."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ..errors import UserError
from ..filemodes import keep_private

if TYPE_CHECKING:
    from ..config import Config
    from ..sources.base import SecretLookup

MIN_KEY_CHARACTERS = 32
CATALOG = "luisterpost"
# Settings of the in-memory connection an encrypted file is attached to. Extensions are never installed
# behind the user's back (that would reach the internet); httpfs is loaded when it is installed.
CONNECT_SETTINGS: dict[str, str | bool] = {"autoinstall_known_extensions": False}

_NEEDS_OPENSSL = "read-only crypto module"
_WRONG_KEY = "Wrong encryption key"
_NO_KEY = "without a key"
_NOT_ENCRYPTED = "is not encrypted"


def database_key(config: Config, lookup: SecretLookup | None = None) -> str | None:
    """The key for the database file, or None when `[storage]` asks for no encryption.

    Read from the environment variable `encryption_key_env`, else from the secret `encryption_key_secret`
    (its environment variable, else `lookup`, a Prefect Secret block in the flows). UserError naming the
    setting when encryption is asked for and the key is missing or shorter than MIN_KEY_CHARACTERS."""
    from ..sources.secrets import env_name, read_secret  # here: the sources package is large

    storage = config.storage
    if not storage.encryption_key_env and not storage.encryption_key_secret:
        return None
    value = os.environ.get(storage.encryption_key_env) if storage.encryption_key_env else None
    if not value and storage.encryption_key_secret:
        value = read_secret(storage.encryption_key_secret, lookup)
    where = " or ".join(
        ([f"the environment variable {storage.encryption_key_env}"] if storage.encryption_key_env else [])
        + ([f"the secret '{storage.encryption_key_secret}' (environment variable "
            f"{env_name(storage.encryption_key_secret)} or a Prefect Secret block)"]
           if storage.encryption_key_secret else []))
    if not value:
        raise UserError(f"[storage]: the database is to be encrypted, but its key is not set: set {where}")
    if len(value) < MIN_KEY_CHARACTERS:
        raise UserError(f"[storage]: the database key in {where} is {len(value)} characters; at least "
                        f"{MIN_KEY_CHARACTERS} are needed (64 hex characters from "
                        "`python3 -c 'import secrets; print(secrets.token_hex(32))'`)")
    return value


def connect_encrypted(path: Path, key: str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection whose default database is the encrypted file at `path` (created when missing, unless
    `read_only`). UserError with one line saying what is wrong: wrong key, a file that is not encrypted, or
    a DuckDB that cannot write encrypted files (reading needs nothing extra)."""
    con = duckdb.connect(config=CONNECT_SETTINGS)
    try:
        try:
            # DuckDB writes encrypted files only with OpenSSL, which comes with httpfs; without it, attaching
            # fails below with a message that names it.
            con.execute("LOAD httpfs")
        except duckdb.Error:
            pass
        quoted = str(path).replace("'", "''")
        options = "ENCRYPTION_KEY ?, READ_ONLY" if read_only else "ENCRYPTION_KEY ?"
        con.execute(f"ATTACH '{quoted}' AS {CATALOG} ({options})", [key])
        con.execute(f"USE {CATALOG}")
        # Spilled intermediate results hold post texts too: beside the database, and encrypted.
        con.execute(f"SET temp_directory = '{quoted}.tmp'")
        con.execute("SET temp_file_encryption = true")
    except duckdb.Error as exc:
        con.close()
        raise UserError(f"{path}: {_reason(str(exc).replace(key, '…') if key else str(exc))}") from None
    return con


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor on `con` (for another thread) in the same database. An encrypted file is attached to an
    in-memory connection, and `USE` holds for one connection only: a bare cursor would start in the empty
    in-memory database."""
    found = con.cursor()
    if found.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [CATALOG]).fetchone()[0]:
        found.execute(f"USE {CATALOG}")
    return found


def _reason(message: str) -> str:
    """What DuckDB's refusal means for the user, in one line (`message` already has the key taken out)."""
    if _WRONG_KEY in message:
        return ("the database key does not open this file (wrong key): set the key the file was encrypted "
                "with")
    if _NOT_ENCRYPTED in message:
        return ("the file is not encrypted, but [storage] asks for encryption: copy it into an encrypted file "
                "with `luisterpost encrypt` (docs/operations.md), or remove encryption_key_env and "
                "encryption_key_secret from [storage]")
    if _NEEDS_OPENSSL in message:
        return ("this DuckDB cannot write encrypted files: it needs the httpfs extension (OpenSSL), which is "
                "not installed. Install it once where DuckDB's extension repository can be reached "
                "(`python -c \"import duckdb; duckdb.sql('INSTALL httpfs')\"`) or copy httpfs.duckdb_extension "
                "into ~/.duckdb/extensions/v" + duckdb.__version__ + "/<platform>/; or leave encryption off")
    return "cannot open the encrypted database: " + message.splitlines()[0]


def plain_open_error(path: Path, exc: duckdb.Error) -> UserError:
    """The UserError for a failure to open `path` without a key."""
    if _NO_KEY in str(exc):
        return UserError(f"{path}: the database is encrypted, but no key is configured: set "
                         "[storage] encryption_key_env or encryption_key_secret (docs/operations.md)")
    return UserError(f"{path}: cannot open the database: {exc}")


def encrypt_database(path: Path, key: str) -> Path:
    """Copy the unencrypted database at `path` into an encrypted file that takes its place; return where the
    unencrypted original was moved (beside it, `.unencrypted` added), to be deleted once the encrypted
    database is seen to work. UserError when `path` is missing or already encrypted."""
    if not path.exists():
        raise UserError(f"{path}: no database to encrypt (a new database is created encrypted when a key is set)")
    keep_private()  # the encrypted copy is its owner's only, like every database file
    try:
        # Opened once read-write: what is still in the write-ahead log is folded into the file first.
        plain = duckdb.connect(str(path))
    except duckdb.Error as exc:
        if _NO_KEY in str(exc):
            raise UserError(f"{path}: the database is encrypted already") from None
        raise plain_open_error(path, exc) from None
    plain.execute("CHECKPOINT")
    plain.close()
    target = path.with_name(path.name + ".encrypting")
    backup = path.with_name(path.name + ".unencrypted")
    if backup.exists():
        raise UserError(f"{backup}: an unencrypted copy from an earlier run is still there: delete it first")
    for leftover in (target, target.with_name(target.name + ".wal")):
        leftover.unlink(missing_ok=True)  # an interrupted earlier run
    con = connect_encrypted(target, key)
    try:
        quoted = str(path).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS unencrypted (READ_ONLY)")
        con.execute(f"COPY FROM DATABASE unencrypted TO {CATALOG}")
        con.execute("DETACH unencrypted")
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        target.unlink(missing_ok=True)
        raise
    con.close()
    path.rename(backup)
    target.rename(path)
    return backup
