"""What the flows share inside one worker process: the DuckDB connection and its write lock."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb

from luisterpost.config import Config
from luisterpost.store import open_store
from luisterpost.store.encryption import cursor

_connections: dict[Path, duckdb.DuckDBPyConnection] = {}
_guard = threading.Lock()
# DuckDB allows one writing process per file; inside it, writes go one at a time.
WRITE_LOCK = threading.Lock()


def connection(config: Config) -> duckdb.DuckDBPyConnection:
    """Return a cursor on this process's connection to the municipality's database (a cursor per caller is
    thread-safe); opened with its encryption key, from the environment or a Prefect Secret block."""
    path = config.database_path
    with _guard:
        if path not in _connections:
            _connections[path] = open_store(config, prefect_secret)
        return cursor(_connections[path])


def close_all() -> None:
    """Close every connection this process opened (so another process may open the file)."""
    with _guard:
        for con in _connections.values():
            con.close()
        _connections.clear()


def prefect_secret(name: str) -> str | None:
    """The value of the Prefect Secret block `name`, or None when there is no such block."""
    from prefect.blocks.system import Secret

    try:
        return Secret.load(name).get()
    except ValueError:  # no block of that name (or not a valid block name)
        return None
