"""Retention: `[privacy] retention_months` and `raw_retention_days`, checked in the config, applied by `purge`
and the nightly flow; afterwards nothing older is in any table, and its bytes are gone from the file."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, date, datetime, timedelta

import pytest

from luisterpost.config import load_config
from luisterpost.errors import UserError
from luisterpost.harvest import harvest_source
from luisterpost.sources.base import SourceContext
from luisterpost.sources.demo import DemoSource, DemoSourceSettings
from luisterpost.store import open_db
from luisterpost.store.compact import compact
from luisterpost.store.retention import cutoffs, purge
from luisterpost.store.runs import SourceOutcome, record_source, start_run

from .conftest import ACCOUNTS
from .test_flows import prefect_home  # noqa: F401 - the fixture

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
OLD = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
CUTOFF = datetime(2026, 8, 31, 22, 0, tzinfo=UTC)  # 1 September 2026, Amsterdam time


@pytest.mark.parametrize(("privacy", "message"), [
    ("retention_months = 0", "privacy.retention_months: Input should be greater than 0"),
    ("raw_retention_days = -1", "privacy.raw_retention_days: Input should be greater than 0"),
    ("retention_months = 1\nraw_retention_days = 32",
     "privacy: raw_retention_days (32) is longer than retention_months (1 months, at most 31 days)"),
])
def test_retention_settings_are_checked(write_config, privacy, message):
    with pytest.raises(UserError) as error:
        load_config(write_config(f"[privacy]\n{privacy}\n"))
    assert message in str(error.value)


def test_the_defaults_keep_a_13_month_trend_with_its_year_ago_comparison(write_config):
    config = load_config(write_config())
    assert (config.privacy.retention_months, config.privacy.raw_retention_days) == (25, 35)
    # In November 2026 the last full month is October; its 13-month trend starts in October 2025, whose
    # year-ago month is October 2024.
    cutoff, raw_cutoff = cutoffs(config, datetime(2026, 11, 15, 12, tzinfo=UTC))
    assert cutoff == datetime(2024, 9, 30, 22, 0, tzinfo=UTC)
    assert raw_cutoff == datetime(2026, 10, 11, 12, tzinfo=UTC)


@pytest.fixture
def demo_db(write_config, tmp_path):
    """Three demo months (August to October 2026) in a database file, enriched, with raw payloads fetched when
    their posts appeared; plus an old run, correction and a post with a text found nowhere else."""
    config = load_config(write_config(ACCOUNTS + """
        [storage]
        database = "db.duckdb"

        [privacy]
        retention_months = 2
        raw_retention_days = 10

        [[sources]]
        kind = "demo"
        months = 3
        until = 2026-10-31
    """))
    con = open_db(config.database_path)
    settings = DemoSourceSettings(kind="demo", months=3, until=date(2026, 10, 31))
    harvest_source(con, DemoSource(settings, SourceContext(now=datetime(2026, 11, 1, 3, tzinfo=UTC))))
    con.execute("UPDATE raw_items AS r SET fetched_at = m.created_at + INTERVAL 1 HOUR FROM mentions AS m"
                " WHERE m.platform = r.platform AND m.id = r.id")
    con.execute("INSERT INTO enrichments BY NAME SELECT platform, id, created_at, 0 AS text_hash, 'neutraal' AS"
                " sentiment_label, 0 AS sentiment_score, 'test' AS sentiment_source, [] AS themes, [] AS woonkernen,"
                " 'nl' AS language, false AS is_question, false AS is_complaint, 'test' AS fingerprint,"
                " now() AS enriched_at FROM mentions")
    con.execute("INSERT INTO mentions (platform, id, created_at, author_handle, text, source, first_seen_at, updated_at)"
                " VALUES ('forum', 'oud-1', ?, 'wijkbewoner', 'de zeldzame klinkerbestrating van weleer', 'test', ?, ?)",
                [OLD, OLD, OLD])
    con.execute("INSERT INTO corrections (platform, id, sentiment_label, note, corrected_at) VALUES ('forum', 'oud-1',"
                " 'positief', 'over de zeldzame klinkerbestrating', now()), ((SELECT platform FROM mentions WHERE"
                " created_at > '2026-10-15' LIMIT 1), (SELECT id FROM mentions WHERE created_at > '2026-10-15' LIMIT 1),"
                " 'negatief', 'over de recente stoeptegels', now())")
    con.execute("INSERT INTO harvest_runs (kind, started_at, finished_at, status) VALUES ('harvest', ?, ?, 'ok')",
                [OLD, OLD])
    old_run = con.execute("SELECT max(run_id) FROM harvest_runs").fetchall()[0][0]
    record_source(con, start_run(con, "harvest"), SourceOutcome("demo"))  # a run of today
    con.execute("INSERT INTO harvest_run_sources (run_id, source, started_at, status) VALUES (?, 'demo', ?, 'ok')",
                [old_run, OLD])
    con.execute("INSERT INTO harvest_run_queries (run_id, source, query, label, status) VALUES (?, 'demo', 'all',"
                " 'all', 'ok')", [old_run])
    con.execute("INSERT INTO mentions_out_of_range (platform, id, created_at, author_handle, text, source,"
                " first_seen_at, updated_at) VALUES ('forum', 'jaar-9999', '9999-01-01', 'x', 'x', 'test', ?, ?)",
                [OLD, OLD])
    # A conversation found but not read yet, on a post fetched 2 months ago: harvest still needs its payload.
    pending = con.execute("SELECT platform, id FROM raw_items WHERE fetched_at BETWEEN '2026-09-10' AND '2026-09-20'"
                          " ORDER BY ALL LIMIT 1").fetchall()[0]
    con.execute("INSERT INTO watermarks VALUES ('demo', 'conversation thread', ?, now())", [json.dumps(pending)])
    yield config, con, pending
    con.close()


def oldest(con, table: str, column: str):
    return con.execute(f"SELECT min({column}) FROM {table}").fetchall()[0][0]


def test_purge_leaves_nothing_older_in_any_table(demo_db):
    config, con, pending = demo_db
    before = con.execute("SELECT count(*) FROM mentions").fetchall()[0][0]
    september_on = con.execute("SELECT count(*) FROM mentions WHERE created_at >= ?", [CUTOFF]).fetchall()[0][0]
    assert oldest(con, "mentions", "created_at") < CUTOFF < NOW - timedelta(days=10)
    purged = purge(con, config, now=NOW)
    assert (purged.cutoff, purged.raw_cutoff) == (CUTOFF, NOW - timedelta(days=10))
    assert purged.mentions == before - september_on > 1000
    assert con.execute("SELECT count(*) FROM mentions").fetchall()[0][0] == september_on
    assert oldest(con, "mentions", "created_at") >= CUTOFF
    # Every demo post was enriched, the old forum post added afterwards was not.
    assert oldest(con, "enrichments", "created_at") >= CUTOFF and purged.enrichments == purged.mentions - 1
    assert con.execute("SELECT count(*) FROM corrections").fetchall() == [(1,)] and purged.corrections == 1
    assert oldest(con, "harvest_runs", "started_at") >= CUTOFF and purged.runs == 1
    assert oldest(con, "harvest_run_sources", "started_at") >= CUTOFF
    assert con.execute("SELECT count(*) FROM harvest_run_sources").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM harvest_run_queries WHERE run_id NOT IN (SELECT run_id FROM"
                       " harvest_runs)").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM mentions_out_of_range").fetchall() == [(0,)]
    # Raw payloads: all fetched more than 10 days before NOW, so only the pending conversation's is left; of a post
    # older than the retention period nothing is kept, a pending conversation neither.
    assert con.execute("SELECT platform, id FROM raw_items").fetchall() == [pending]
    assert purge(con, config, now=NOW).total == 0  # nothing left to purge


def test_purged_rows_leave_the_file_when_it_is_rewritten(demo_db):
    config, con, _ = demo_db
    path = config.database_path
    con.execute("CHECKPOINT")
    os.chmod(path, 0o600)
    # Searched in the corrections' notes: a small table keeps its text as it is (the large mentions table
    # compresses it, so a byte search there would find nothing even while it is stored).
    assert b"zeldzame klinkerbestrating" in path.read_bytes()
    purge(con, config, now=NOW)
    con.execute("CHECKPOINT")
    assert b"zeldzame klinkerbestrating" in path.read_bytes()  # deleted, but its bytes are still there
    kept = con.execute("SELECT count(*) FROM mentions").fetchall()[0][0]
    con.close()
    done = compact(path)
    assert b"zeldzame klinkerbestrating" not in path.read_bytes()
    assert b"recente stoeptegels" in path.read_bytes()  # what is kept is found by the same search
    assert done.bytes_after < done.bytes_before and stat.S_IMODE(path.stat().st_mode) == 0o600
    again = open_db(path)
    assert again.execute("SELECT count(*) FROM mentions").fetchall()[0][0] == kept
    # The run ids go on where they were: the sequence is copied with the tables.
    last = again.execute("SELECT max(run_id) FROM harvest_runs").fetchall()[0][0]
    assert again.execute("INSERT INTO harvest_runs (kind, started_at, status) VALUES ('import', now(), 'ok')"
                         " RETURNING run_id").fetchall() == [(last + 1,)]
    again.close()


def test_a_file_in_use_is_not_rewritten(demo_db):
    config, con, _ = demo_db
    with pytest.raises(UserError) as error:
        compact(config.database_path)
    assert "the database is in use" in str(error.value) and "\n" not in str(error.value)
    assert not config.database_path.with_name("db.duckdb.compacting").exists()


@pytest.mark.slow
def test_the_nightly_flow_purges_and_rewrites_the_file(prefect_home, write_config):
    from flows.nightly import nightly

    path = write_config(ACCOUNTS + """
        [storage]
        database = "db.duckdb"

        [privacy]
        retention_months = 1
        raw_retention_days = 20

        [[sources]]
        kind = "demo"
        months = 2
        until = 2026-10-31
    """)
    now = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)  # keeps October: 1 October 2026 local time is the cutoff
    result = nightly(config_path=str(path), now=now)
    assert result["purged"]["mentions"] > 1000 and result["compacted_seconds"] is not None
    con = open_db(load_config(path).database_path)
    assert oldest(con, "mentions", "created_at") >= datetime(2026, 9, 30, 22, tzinfo=UTC)
    assert oldest(con, "enrichments", "created_at") >= datetime(2026, 9, 30, 22, tzinfo=UTC)
    con.close()
    again = nightly(config_path=str(path), now=now)
    assert again["purged"]["mentions"] == 0 and again["compacted_seconds"] is None  # nothing purged: not rewritten
