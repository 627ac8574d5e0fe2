"""Opening the DuckDB file and applying the numbered migrations in `sql/migrations/` once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ..filemodes import keep_private, owner_only
from ..paths import resource_dir
from .encryption import connect_encrypted, database_key, plain_open_error

if TYPE_CHECKING:
    from ..config import Config
    from ..sources.base import SecretLookup

_MIGRATION = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


def migrations() -> list[tuple[int, str, Path]]:
    """Return (version, name, file) for every migration file, in order."""
    found = []
    for file in sorted(resource_dir("sql").joinpath("migrations").iterdir()):
        match = _MIGRATION.match(file.name)
        if match:
            found.append((int(match[1]), match[2], file))
    return found


def open_db(path: str | Path = ":memory:", encryption_key: str | None = None) -> duckdb.DuckDBPyConnection:
    """Open (or create) the database at `path`, apply pending migrations and return the connection.

    With `encryption_key` the file is encrypted (DuckDB's database encryption; see `store.encryption`). The
    file and its write-ahead log are readable by their owner only: created so, and tightened when found
    wider. Times are handled in UTC inside the database; conversion to the municipality's zone happens in
    metrics."""
    if str(path) == ":memory:":
        if encryption_key is not None:
            raise ValueError("an in-memory database is never written to disk: it takes no encryption key")
        con = duckdb.connect(":memory:")
    else:
        file = Path(path)
        keep_private()
        file.parent.mkdir(parents=True, exist_ok=True)
        for each in (file, file.with_name(file.name + ".wal")):
            owner_only(each)
        if encryption_key is not None:
            con = connect_encrypted(file, encryption_key)
        else:
            try:
                con = duckdb.connect(str(file))
            except duckdb.Error as exc:
                raise plain_open_error(file, exc) from None
    con.execute("SET TimeZone = 'UTC'")
    # Long statements (a migration, a large import) would draw DuckDB's progress bar over the command's output.
    con.execute("SET enable_progress_bar = false")
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    applied = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    for version, name, file in migrations():
        if version in applied:
            continue
        with transaction(con):
            con.execute(file.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
    return con


def open_store(config: Config, secrets: SecretLookup | None = None) -> duckdb.DuckDBPyConnection:
    """The municipality's database (`open_db`), encrypted with the key its config names (`database_key`;
    `secrets` looks up a secret not in the environment, e.g. a Prefect Secret block)."""
    return open_db(config.database_path, database_key(config, secrets))


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one transaction: all of it is committed, or none of it."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
