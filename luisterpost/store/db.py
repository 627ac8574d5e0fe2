"""Opening the DuckDB file and applying the numbered migrations in `sql/migrations/` once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ..errors import UserError
from ..paths import resource_dir

_MIGRATION = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


def migrations() -> list[tuple[int, str, Path]]:
    """Return (version, name, file) for every migration file, in order."""
    found = []
    for file in sorted(resource_dir("sql").joinpath("migrations").iterdir()):
        match = _MIGRATION.match(file.name)
        if match:
            found.append((int(match[1]), match[2], file))
    return found


def open_db(path: str | Path = ":memory:") -> duckdb.DuckDBPyConnection:
    """Open (or create) the database at `path`, apply pending migrations and return the connection.

    Times are handled in UTC inside the database; conversion to the municipality's zone happens in metrics."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        raise UserError(f"{path}: cannot open the database: {exc}") from None
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
