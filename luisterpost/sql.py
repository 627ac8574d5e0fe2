"""The SQL files under `sql/`, read by name."""

from __future__ import annotations

from functools import cache

from .paths import resource_dir


@cache
def query(name: str) -> str:
    """Return the text of `sql/<name>.sql` (e.g. ``query("staging/stg_mentions")``)."""
    return (resource_dir("sql") / f"{name}.sql").read_text(encoding="utf-8")

