"""`status` tells an operator what the harvest left: the queries that failed last time, and the posts not read yet."""

from __future__ import annotations

from typer.testing import CliRunner

from luisterpost.cli import app
from luisterpost.config import load_config
from luisterpost.harvest import harvest_source
from luisterpost.sources import build_source
from luisterpost.store import open_db
from luisterpost.store.runs import finish_run, record_source, start_run
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
    assert result.exit_code == 0, result.output
    assert "last harvest, queries not read in full:" in result.output
    assert ("mastodon / account @gemeentelindeveen: failed: account @gemeentelindeveen: HTTP 404 (not found: check "
            "the configured name or id) for GET 127.0.0.1/api/v1/accounts/lookup: Record not found") in result.output
    assert ("mastodon / tag:lindeveen: posts older than 2026-11-20 08:00 UTC back to 2026-09-30 22:00 UTC"
            in result.output)
