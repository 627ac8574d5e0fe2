"""`status` tells an operator what the harvest left: each source's health, the queries that failed last time, and
the posts not read yet; its exit code is what a monitoring check reads."""

from __future__ import annotations

from datetime import timedelta

from typer.testing import CliRunner

from luisterpost.cli import app
from luisterpost.config import load_config
from luisterpost.harvest import harvest_source
from luisterpost.sources import build_source
from luisterpost.store import open_db
from luisterpost.store.runs import SourceOutcome, finish_run, record_source, start_run, utcnow
from tests.fakeapi import Reply
from tests.scenarios import MASTODON


def test_status_names_failed_queries_and_open_gaps(api, write_config):
    MASTODON.serve(api)
    api.inject("/api/v1/accounts/lookup", Reply({"error": "Record not found"}, 404), params={"acct": "gemeentelindeveen"})
    path = write_config(f'''
        [[sources]]
        kind = "mastodon"
        name = "mastodon"
        base_url = "{api.url}"
        hashtags = ["lindeveen"]
        accounts = ["gemeentelindeveen"]
        max_pages = 1
        retries = 0
    ''')
    config = load_config(path)
    con = open_db(config.database_path)
    run = start_run(con, "harvest")
    outcome = harvest_source(con, build_source(config, config.sources[0], now=MASTODON.now))
    record_source(con, run, outcome)
    finish_run(con, run, [outcome])
    con.close()
    assert outcome.status == "partial"
    assert outcome.behind == ["#lindeveen: posts older than 2026-11-20 08:00 UTC back to 2026-09-30 22:00 UTC not "
                              "read yet; the next runs continue there"]

    result = CliRunner().invoke(app, ["--config", str(path), "status"])
    assert result.exit_code == 1, result.output  # a partial last harvest needs attention
    assert "last harvest, queries not read in full:" in result.output
    assert ("mastodon / account @gemeentelindeveen: failed: account @gemeentelindeveen: HTTP 404 (not found: check "
            "the configured name or id) for GET 127.0.0.1/api/v1/accounts/lookup: Record not found") in result.output
    assert ("mastodon / tag:lindeveen: posts older than 2026-11-20 08:00 UTC back to 2026-09-30 22:00 UTC"
            in result.output)


SOURCES = """
    [[sources]]
    kind = "jsonl"
    name = "drop"
    path = "drop"

    [[sources]]
    kind = "jsonl"
    name = "export"
    path = "export"
"""


def _harvests(path, *runs):
    """Record harvest runs; each run is {source: (status, hours ago it finished, error)}."""
    con = open_db(load_config(path).database_path)
    for outcomes in runs:
        run = start_run(con, "harvest")
        recorded = []
        for source, (status, hours, error) in outcomes.items():
            finished = utcnow() - timedelta(hours=hours)
            outcome = SourceOutcome(source, status, error=error, started_at=finished - timedelta(minutes=5),
                                    finished_at=finished)
            record_source(con, run, outcome)
            recorded.append(outcome)
        finish_run(con, run, recorded)
    con.close()


def test_status_is_healthy_when_every_source_had_a_good_harvest_in_time(write_config):
    path = write_config(SOURCES)
    _harvests(path, {"drop": ("ok", 5, None), "export": ("ok", 5, None)})
    result = CliRunner().invoke(app, ["--config", str(path), "status"])
    assert result.exit_code == 0, result.output
    assert "sources (a good harvest is expected every 30 h):" in result.output
    assert "need attention" not in result.output


def test_status_exits_1_and_names_a_failed_or_stale_source(write_config):
    path = write_config(SOURCES)
    _harvests(path, {"drop": ("ok", 50, None), "export": ("ok", 50, None)},
              {"drop": ("failed", 26, "HTTP 503 for GET example/feed\nsecond line"), "export": ("ok", 26, None)},
              {"drop": ("failed", 2, "HTTP 503 for GET example/feed"), "export": ("ok", 2, None)})
    result = CliRunner().invoke(app, ["--config", str(path), "status"])
    assert result.exit_code == 1, result.output
    drop = next(line for line in result.output.splitlines() if " drop " in line)
    # Its last good harvest 50 hours ago, two failures since, and why.
    assert "needs attention" in drop and "(50 h ago); 2 failed since;" in drop
    assert "last harvest failed: HTTP 503 for GET example/feed" in drop
    assert "1 of 2 sources need attention: drop: last harvest failed" in " ".join(result.output.split())
    # Stale: no failure recorded, but no good harvest within the limit either (a nightly that stopped running).
    _harvests(path, {"drop": ("ok", 40, None), "export": ("ok", 40, None)})
    stale = CliRunner().invoke(app, ["--config", str(path), "status", "--max-age", "24"])
    assert stale.exit_code == 1
    assert "last good harvest 40 h ago (limit 24 h)" in stale.output
    assert CliRunner().invoke(app, ["--config", str(path), "status", "--max-age", "48"]).exit_code == 0


def test_status_names_a_configured_source_that_never_ran(write_config):
    path = write_config(SOURCES)
    _harvests(path, {"drop": ("ok", 1, None)})
    result = CliRunner().invoke(app, ["--config", str(path), "status"])
    assert result.exit_code == 1
    assert "export: never harvested" in result.output


def test_status_max_age_must_be_positive(write_config):
    result = CliRunner().invoke(app, ["--config", str(write_config(SOURCES)), "status", "--max-age", "0"])
    assert "--max-age: 0 is not a number of hours above 0" in str(result.exception) + result.output


def test_version_prints_the_installed_version():
    from importlib.metadata import version

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"luisterpost {version('luisterpost')}"
