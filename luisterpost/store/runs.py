"""Harvest-run records and per-source watermarks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class QueryOutcome:
    """What one query of a source did in one run; stored in harvest_run_queries."""

    query: str
    label: str
    status: str = "ok"  # ok | partial | failed | skipped | stopped | not run
    fetched: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    suppressed: int = 0
    error: str | None = None
    behind: str | None = None  # posts not read yet, in words


@dataclass
class SourceOutcome:
    """What one source did in one run; stored in harvest_run_sources (and its queries in harvest_run_queries)."""

    source: str
    status: str = "ok"  # ok | partial | failed | skipped, and running | interrupted for an import
    fetched: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    deleted: int = 0  # stored posts removed because the platform says they were deleted at the source
    suppressed: int = 0  # left out: the author or the post is on the suppression list
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    queries: list[QueryOutcome] = field(default_factory=list)

    @property
    def behind(self) -> list[str]:
        """What its queries have not read yet, one line each."""
        return [f"{q.label}: {q.behind}" for q in self.queries if q.behind]


def start_run(con: duckdb.DuckDBPyConnection, kind: str) -> int:
    """Record the start of a harvest or import; return its run id."""
    return con.execute(
        "INSERT INTO harvest_runs (kind, started_at, status) VALUES (?, ?, 'running') RETURNING run_id",
        [kind, utcnow()],
    ).fetchall()[0][0]


def record_source(con: duckdb.DuckDBPyConnection, run_id: int, outcome: SourceOutcome) -> None:
    """Store (or replace) one source's outcome for the run."""
    con.execute(
        "INSERT OR REPLACE INTO harvest_run_sources"
        " (run_id, source, started_at, finished_at, status, fetched, new, updated, skipped, deleted, error, suppressed)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id, outcome.source, outcome.started_at or utcnow(),
            outcome.finished_at or (None if outcome.status == "running" else utcnow()),
            outcome.status, outcome.fetched, outcome.new, outcome.updated, outcome.skipped, outcome.deleted,
            outcome.error, outcome.suppressed,
        ],
    )
    con.execute("DELETE FROM harvest_run_queries WHERE run_id = ? AND source = ?", [run_id, outcome.source])
    for q in outcome.queries:
        con.execute(
            "INSERT INTO harvest_run_queries (run_id, source, query, label, status, fetched, new, updated, skipped,"
            " error, behind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, outcome.source, q.query, q.label, q.status, q.fetched, q.new, q.updated, q.skipped, q.error,
             q.behind],
        )


def finish_run(con: duckdb.DuckDBPyConnection, run_id: int, outcomes: list[SourceOutcome]) -> str:
    """Close the run with an overall status derived from its sources; return that status."""
    statuses = {o.status for o in outcomes}
    if "interrupted" in statuses:
        status = "interrupted"
    elif statuses and statuses <= {"failed", "skipped"} and "failed" in statuses:
        status = "failed"
    elif statuses - {"ok", "skipped"}:
        status = "partial"
    else:
        status = "ok"
    con.execute(
        "UPDATE harvest_runs SET finished_at = ?, status = ? WHERE run_id = ?", [utcnow(), status, run_id]
    )
    return status


def close_interrupted(con: duckdb.DuckDBPyConnection, kind: str) -> int:
    """Mark runs of `kind` still 'running' as 'interrupted'; return how many there were.

    Call only when no run of that kind can be going on: one process at a time writes the database file, and an
    import runs one at a time within it. Their counts stay as they were: what their stored chunks hold."""
    stale = [row[0] for row in con.execute(
        "SELECT run_id FROM harvest_runs WHERE kind = ? AND status = 'running'", [kind]).fetchall()]
    if stale:
        con.execute("UPDATE harvest_run_sources SET status = 'interrupted' WHERE status = 'running'"
                    " AND list_contains(?, run_id)", [stale])
        con.execute("UPDATE harvest_runs SET status = 'interrupted' WHERE list_contains(?, run_id)", [stale])
    return len(stale)


def get_watermarks(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, str]:
    """Return the stored watermark per query for `source` (empty before its first harvest)."""
    rows = con.execute("SELECT query, value FROM watermarks WHERE source = ?", [source]).fetchall()
    return dict(rows)


def set_watermark(con: duckdb.DuckDBPyConnection, source: str, query: str, value: str) -> None:
    """Store the watermark for (source, query). Call in the transaction that committed its rows."""
    con.execute(
        "INSERT OR REPLACE INTO watermarks (source, query, value, updated_at) VALUES (?, ?, ?, ?)",
        [source, query, value, utcnow()],
    )


def set_watermarks(con: duckdb.DuckDBPyConnection, source: str, values: dict[str, str]) -> None:
    """Store the watermarks of many queries of `source` at once (query → value)."""
    con.execute(
        "INSERT OR REPLACE INTO watermarks (source, query, value, updated_at)"
        " SELECT ?, unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), ?",
        [source, list(values), list(values.values()), utcnow()],
    )


def clear_watermarks(con: duckdb.DuckDBPyConnection, source: str, queries: list[str]) -> None:
    """Forget the watermarks of these queries of `source`."""
    con.execute("DELETE FROM watermarks WHERE source = ? AND query IN (SELECT unnest(?::VARCHAR[]))", [source, queries])
