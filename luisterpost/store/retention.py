"""Retention (AVG: kept no longer than needed): what is older than `[privacy] retention_months` (posts, their
enrichments and corrections, harvest runs, the watch's alerts) or `raw_retention_days` (raw payloads) is deleted.

Run by the nightly flow and by `luisterpost purge`; both then rewrite the file (store/compact.py) so the deleted
rows' bytes are gone from it too."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

import duckdb

from ..config import Config
from ..sql import query
from .db import transaction


@dataclass(frozen=True)
class Purged:
    """What a purge deleted, per table, and the limits it used."""

    cutoff: datetime  # posts created and runs started before this are gone
    raw_cutoff: datetime  # raw payloads fetched before this are gone (but for those harvest still reads)
    mentions: int = 0
    enrichments: int = 0
    corrections: int = 0
    raw_items: int = 0
    runs: int = 0
    alerts: int = 0  # the watch's alerts (their texts quote residents' posts, masked) and their deliveries

    @property
    def total(self) -> int:
        """Rows deleted in all tables."""
        return sum(getattr(self, f.name) for f in fields(self) if f.type == "int")


def cutoffs(config: Config, now: datetime) -> tuple[datetime, datetime]:
    """(cutoff, raw_cutoff): the start of the local month `retention_months` before this one (with the default
    25, in November 2026: 1 October 2024, the year-ago month of the oldest month in a 13-month trend), and
    `raw_retention_days` days before `now`."""
    tz = config.municipality.tz
    local = now.astimezone(tz)
    months = local.year * 12 + local.month - 1 - config.privacy.retention_months
    cutoff = datetime(months // 12, months % 12 + 1, 1, tzinfo=tz)
    return cutoff, now - timedelta(days=config.privacy.raw_retention_days)


def _revisit_days(config: Config) -> float:
    """The longest time any source reads conversations again: their raw payloads are still needed that long."""
    return max((getattr(s, "revisit_days", 0) for s in config.sources), default=0)


def purge(con: duckdb.DuckDBPyConnection, config: Config, now: datetime | None = None) -> Purged:
    """Delete everything older than the retention periods, in one transaction; return what was deleted.

    Raw payloads a harvest still reads are kept: those of conversations found but not read yet (their watermark
    names them) and of posts young enough that their conversations are read again (`revisit_days`). So
    `renormalise` only covers the raw retention window."""
    now = now or datetime.now(UTC)
    cutoff, raw_cutoff = cutoffs(config, now)
    revisit = now - timedelta(days=_revisit_days(config))
    params = {"cutoff": cutoff}
    with transaction(con):
        con.execute("CREATE OR REPLACE TEMP TABLE purged AS SELECT platform, id FROM mentions WHERE created_at < $cutoff",
                    params)
        mentions = con.execute("DELETE FROM mentions WHERE created_at < $cutoff", params).fetchall()[0][0]
        # Moved aside by migration 004 (a time outside 2000–2100): gone once stored longer than posts are kept.
        con.execute("DELETE FROM mentions_out_of_range WHERE created_at < $cutoff OR first_seen_at < $cutoff", params)
        # The purged posts' rows elsewhere are found by joining their keys (temp table `purged`), not by a
        # correlated EXISTS inside an OR, which DuckDB does not turn into a join.
        enrichments = con.execute("DELETE FROM enrichments WHERE created_at < $cutoff", params).fetchall()[0][0]
        enrichments += con.execute("DELETE FROM enrichments AS e USING purged AS p"
                                   " WHERE e.platform = p.platform AND e.id = p.id").fetchall()[0][0]
        corrections = con.execute("DELETE FROM corrections AS c USING purged AS p"
                                  " WHERE c.platform = p.platform AND c.id = p.id").fetchall()[0][0]
        con.execute(query("store/raw_items_past_retention"), {"raw_cutoff": raw_cutoff, "revisit": revisit})
        raw_items = _drop_raw_items(con)
        runs = con.execute("DELETE FROM harvest_runs WHERE started_at < $cutoff", params).fetchall()[0][0]
        con.execute("DELETE FROM harvest_run_sources AS s WHERE s.started_at < $cutoff"
                    " OR NOT EXISTS (SELECT 1 FROM harvest_runs AS r WHERE r.run_id = s.run_id)", params)
        con.execute("DELETE FROM harvest_run_queries AS q"
                    " WHERE NOT EXISTS (SELECT 1 FROM harvest_runs AS r WHERE r.run_id = q.run_id)")
        alerts = con.execute("DELETE FROM alerts WHERE created_at < $cutoff", params).fetchall()[0][0]
        con.execute("DELETE FROM alert_deliveries AS d"
                    " WHERE NOT EXISTS (SELECT 1 FROM alerts AS a WHERE a.alert_id = d.alert_id)")
        con.execute("DELETE FROM watch_episodes WHERE until < $cutoff", params)
        con.execute("DROP TABLE purged")
    return Purged(cutoff, raw_cutoff, mentions, enrichments, corrections, raw_items, runs, alerts)


def _drop_raw_items(con: duckdb.DuckDBPyConnection) -> int:
    """Delete the raw payloads in the temp table `doomed_raw`; return how many.

    The table is made again with the payloads kept, rather than deleted from: every row deleted is also taken
    out of the primary-key index one at a time, which took 90 s (and 40 s more to commit) for a million payloads,
    where copying the 40,000 kept ones took a tenth of a second."""
    doomed = con.execute("SELECT count(*) FROM doomed_raw").fetchall()[0][0]
    if doomed:
        ddl = con.execute("SELECT sql FROM duckdb_tables() WHERE database_name = current_database()"
                          " AND schema_name = 'main' AND table_name = 'raw_items'").fetchall()[0][0]
        con.execute("CREATE OR REPLACE TEMP TABLE kept_raw AS SELECT * FROM raw_items"
                    " ANTI JOIN doomed_raw USING (source, platform, id)")
        con.execute("DROP TABLE raw_items")
        con.execute(ddl)
        con.execute("INSERT INTO raw_items SELECT * FROM kept_raw")
        con.execute("DROP TABLE kept_raw")
    con.execute("DROP TABLE doomed_raw")
    return doomed
