"""The SQL files under `sql/`, read by name."""

from __future__ import annotations

import re
from functools import cache

from .paths import resource_dir


@cache
def query(name: str) -> str:
    """Return the text of `sql/<name>.sql` (e.g. ``query("staging/stg_mentions")``)."""
    return (resource_dir("sql") / f"{name}.sql").read_text(encoding="utf-8")


def run_script(con, name: str, params: dict[str, object] | None = None) -> list[object]:
    """Run every statement of `sql/<name>.sql` in order, binding each to the `$params` it uses.

    Returns the first value of each statement's result (row counts for INSERT/UPDATE)."""
    results = []
    for part in query(name).split(";\n"):
        # Comments go: a "$name" in a comment must not count as a parameter the statement uses.
        statement = re.sub(r"--[^\n]*", "", part).strip().rstrip(";")
        if not statement:
            continue
        used = {key: value for key, value in (params or {}).items() if f"${key}" in statement}
        rows = con.execute(statement, used).fetchall() if used else con.execute(statement).fetchall()
        results.append(rows[0][0] if rows else None)
    return results
