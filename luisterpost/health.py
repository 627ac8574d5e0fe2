"""Whether each configured source is being harvested: for `status`, and so a monitoring check sees a harvest
that failed or silently stopped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from .config import Config
from .sources.listing import open_gaps
from .sql import query


@dataclass(frozen=True)
class SourceHealth:
    source: str
    last_status: str | None  # of its last harvest; None: never harvested
    last_ok: datetime | None  # when its last good harvest ('ok' or 'partial') finished
    age_hours: float | None  # since then
    failed_since_ok: int  # harvests that failed since then
    open_gaps: int  # queries with posts not read yet (the next runs continue there)
    error: str | None  # first line of the last harvest's error
    problem: str | None  # why it needs attention; None when healthy


def source_health(con: duckdb.DuckDBPyConnection, config: Config, now: datetime,
                  max_age_hours: float | None = None) -> list[SourceHealth]:
    """One row per configured source, in config order: its last harvest, its last good one, and the problem
    (a failed or partial last harvest, or no good harvest within `max_age_hours`, by default the config's
    `monitoring.max_age_hours`)."""
    rows = {row[0]: row[1:] for row in con.execute(query("report/source_health")).fetchall()}
    gaps: dict[str, int] = {}
    for source, value in con.execute("SELECT source, value FROM watermarks").fetchall():
        gaps[source] = gaps.get(source, 0) + bool(open_gaps(value))
    limit = max_age_hours or config.monitoring.max_age_hours
    found = []
    for settings in config.sources:
        name = settings.source_name
        _, last_status, error, last_ok, failed = rows.get(name, (None, None, None, None, 0))
        age = (now - last_ok).total_seconds() / 3600 if last_ok else None
        first_line = error.splitlines()[0] if error else None
        if last_status is None:
            problem = "never harvested"
        elif last_status in ("failed", "partial"):
            problem = f"last harvest {last_status}" + (f": {first_line}" if first_line else "")
        elif age is None:
            problem = f"no good harvest yet (last harvest {last_status})"
        elif age > limit:
            problem = f"last good harvest {age:.0f} h ago (limit {limit:g} h)"
        else:
            problem = None
        found.append(SourceHealth(name, last_status, last_ok, age, int(failed), gaps.get(name, 0), first_line,
                                  problem))
    return found
