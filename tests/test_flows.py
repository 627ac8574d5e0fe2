"""The Prefect flows, end to end: ephemeral mode, the demo command, and a deployment run by a worker."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from luisterpost.config import load_config
from luisterpost.store import open_db

from .conftest import ACCOUNTS
from .prefect_server import prefect_command, prefect_server

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def prefect_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect")
    os.environ["PREFECT_HOME"] = str(home)
    os.environ.pop("PREFECT_API_URL", None)
    yield home
    # Stop the ephemeral server now, while pytest still captures output, rather than at exit.
    from prefect.server.api.server import SubprocessASGIServer

    for server in list(SubprocessASGIServer._instances.values()):
        server.stop()


def flow_config(write_config, extra: str = "") -> Path:
    return write_config(ACCOUNTS + """
        [[sources]]
        kind = "demo"
        months = 1
        until = 2026-10-31
    """ + extra)


def test_nightly_flow_harvests_concurrently_records_failures_and_enriches(prefect_home, write_config, tmp_path):
    from flows.nightly import nightly

    (tmp_path / "not-a-folder").write_text("x")
    path = flow_config(write_config, """
        [[sources]]
        kind = "jsonl"
        name = "broken-drop"
        path = "not-a-folder"
    """)
    now = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
    state = nightly(config_path=str(path), now=now, return_state=True)
    # A failed source makes the run Failed in Prefect (not Completed), naming it; the summary is its data.
    assert state.is_failed() and state.message == "harvest run 1 partial: broken-drop failed"
    result = state.result(raise_on_failure=False)
    by_source = {s["source"]: s for s in result["sources"]}
    assert result["status"] == "partial"
    assert by_source["demo"]["status"] == "ok" and by_source["demo"]["new"] > 3000
    assert by_source["broken-drop"]["status"] == "failed"
    assert "is not a folder" in by_source["broken-drop"]["error"]
    con = open_db(load_config(path).database_path)
    assert con.execute("SELECT source, status FROM harvest_run_sources ORDER BY source").fetchall() == [
        ("broken-drop", "failed"), ("demo", "ok")]
    assert "metric_snapshots" not in {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert con.execute("SELECT count(*) FROM enrichments").fetchall()[0][0] == by_source["demo"]["new"]
    con.close()
    again = nightly(config_path=str(path), now=now, return_state=True).result(raise_on_failure=False)
    assert {s["source"]: s["new"] for s in again["sources"]} == {"demo": 0, "broken-drop": 0}
    # The per-source table of the last run, as an artifact an operator finds in the UI.
    from prefect.artifacts import Artifact

    artifact = Artifact.get("harvest-lindeveen")
    table = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
    assert [(row["source"], row["status"], row["new"]) for row in table] == [("demo", "ok", 0),
                                                                            ("broken-drop", "failed", 0)]
    assert "is not a folder" in table[1]["error"]


def test_nightly_flow_without_failures_completes(prefect_home, write_config):
    from flows.nightly import nightly

    state = nightly(config_path=str(flow_config(write_config)), now=datetime(2026, 11, 2, 3, 0, tzinfo=UTC),
                    return_state=True)
    assert state.is_completed()
    assert state.result()["status"] == "ok"


def test_demo_command_writes_html_and_pdf_reports(prefect_home, write_config, tmp_path):
    path = flow_config(write_config)
    out = tmp_path / "out"
    env = {**os.environ, "PREFECT_HOME": str(prefect_home)}
    result = subprocess.run([str(BIN / "luisterpost"), "--config", str(path), "demo", "--out", str(out)],
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    html, pdf = sorted(out.iterdir())
    assert html.name == "luisterpost-lindeveen-2026-10-nl.html" and pdf.suffix == ".pdf"
    assert str(html) in result.stdout and str(pdf) in result.stdout
    assert "demo:" in result.stderr  # progress was shown while harvesting
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
    assert "Maandrapportage online luisteren" in text and "oktober 2026" in text
    assert "Reactiepercentage" in text and "Vermeldingen per dag" in text
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    # The coverage table: source, platforms, mentions (Dutch thousands separator), runs and failed runs in the
    # month (the demo harvest runs in November), days without posts. The platforms cell (display names) wraps.
    assert re.search(r"demo\s+Bluesky, Facebook, Instagram,\s+3\.030\s+0\s+0\s+0\s", layout)
    assert "Mastodon, Nieuws, Reddit," in layout
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert 8 <= int(re.search(r"^Pages:\s+(\d+)$", pages, re.M).group(1)) <= 20, pages
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and all(" yes " in line for line in fonts)  # every font embedded
    assert "Plotly.newPlot" in html.read_text(encoding="utf-8")


def test_adhoc_report_flow_runs_the_same_code_as_the_command(prefect_home, write_config, tmp_path):
    from flows.adhoc_report import adhoc_report
    from luisterpost.errors import UserError
    from luisterpost.metrics.period import last_full_month

    path = flow_config(write_config)
    paths = adhoc_report(config_path=str(path), from_day="2026-10-05", to_day="2026-10-18", kind="Alderman",
                         theme=None, out_dir=str(tmp_path / "out"), formats=["html"])
    # No portfolios in this config: an alderman report per portfolio is none at all.
    assert paths == []
    paths = adhoc_report(config_path=str(path), from_day="2026-10-05", to_day="2026-10-18", platform="Mastodon",
                         out_dir=str(tmp_path / "out"), lang="en", formats=["html"])
    html = Path(paths[0]["html"])
    assert html.name == "luisterpost-lindeveen-platform-mastodon-2026-10-05-tot-2026-10-18-en.html"
    assert "Online listening report" in html.read_text(encoding="utf-8")
    # Without a period: the last full month, as the command line does.
    year, month = last_full_month(datetime.now(load_config(path).municipality.tz).date())
    paths = adhoc_report(config_path=str(path), out_dir=str(tmp_path / "out"), formats=["html"])
    assert Path(paths[0]["html"]).name == f"luisterpost-lindeveen-{year}-{month:02d}-nl.html"
    # Bad parameters fail the run with the command line's message, named as parameters.
    with pytest.raises(UserError, match=r"^kind 'wethouder': not a report kind \(known: monthly, alderman\)$"):
        adhoc_report(config_path=str(path), kind="wethouder", out_dir=str(tmp_path / "out"))
    with pytest.raises(UserError, match=r"^woonkern 'oosterbroek': not a woonkern in the config \(known: none\)$"):
        adhoc_report(config_path=str(path), woonkern="oosterbroek", out_dir=str(tmp_path / "out"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        f"luisterpost-lindeveen-{year}-{month:02d}-nl.html",
        "luisterpost-lindeveen-platform-mastodon-2026-10-05-tot-2026-10-18-en.html"]


def test_deployments_run_through_a_process_worker(write_config, tmp_path):
    with prefect_server(tmp_path / "prefect-server") as (api, client_env):
        def run(*args):
            return prefect_command(client_env, *args)

        run("work-pool", "create", "luisterpost", "--type", "process")
        run("--no-prompt", "deploy", "--all")
        deployments = httpx.post(f"{api}/deployments/filter", json={}).json()
        schedules = {d["name"]: [(s["schedule"].get("cron") or s["schedule"].get("interval"), s["schedule"].get("timezone"))
                                 for s in d["schedules"]] for d in deployments}
        assert schedules == {"nightly": [("0 3 * * *", "Europe/Amsterdam")], "nightly-fleet": [],
                             "monthly-report": [("0 6 1 * *", "Europe/Amsterdam")], "adhoc-report": [],
                             "watch": [(900.0, "UTC")]}
        config = flow_config(write_config)
        run("deployment", "run", "nightly/nightly", "--param", f"config_path={config}")
        run("worker", "start", "--pool", "luisterpost", "--run-once")
        runs = httpx.post(f"{api}/flow_runs/filter", json={"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}).json()
        assert [r["name"] for r in runs] and len(runs) == 1
        con = open_db(load_config(config).database_path)
        assert con.execute("SELECT status FROM harvest_runs").fetchall() == [("ok",)]
        assert con.execute("SELECT count(*) FROM mentions").fetchall()[0][0] > 3000
        con.close()


def test_harvest_command_runs_the_nightly_flow_once(prefect_home, write_config, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "posts.jsonl").write_text(
        json.dumps({"platform": "facebook", "id": "1", "created_at": "2026-10-01T08:00:00+02:00",
                    "author_handle": "jan", "text": "Waar is de milieustraat?"}) + "\n{kapot\n", encoding="utf-8")
    with socket.socket() as probe:  # a port where nothing listens: a platform that is down
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = write_config(ACCOUNTS + '\n[[sources]]\nkind = "jsonl"\nname = "drop"\npath = "drop"\n'
                        f'\n[[sources]]\nkind = "mastodon"\nname = "down"\nbase_url = "http://127.0.0.1:{port}"\n'
                        'hashtags = ["lindeveen"]\nretries = 1\nbackoff_seconds = 0.01\n')
    env = {**os.environ, "PREFECT_HOME": str(prefect_home)}
    result = subprocess.run([str(BIN / "luisterpost"), "--config", str(path), "harvest"],
                            capture_output=True, text=True, env=env, timeout=600)
    # A skipped row makes the source partial, a dead platform fails: the command's exit code is 1, with no traceback.
    assert result.returncode == 1, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert "partial drop: 2 fetched, 1 new, 0 updated, 1 skipped" in result.stdout
    assert " failed down: 0 fetched" in result.stdout
    assert ("#lindeveen page 1: GET 127.0.0.1/api/v1/timelines/tag/lindeveen: connection refused"
            in result.stdout)
    assert "posts.jsonl:2: not valid JSON" in result.stdout


def test_nightly_flow_with_platform_sources_reports_each_and_keeps_secrets_out(prefect_home, write_config, tmp_path,
                                                                              monkeypatch, capfd):
    """One broken platform fails alone with a clear reason, one without credentials is skipped, one reads its
    password from a Prefect Secret block; no secret shows in the result, the database or the logs."""
    from prefect.blocks.system import Secret

    from flows.nightly import nightly
    from tests.fakeapi import FakeApi, Reply
    from tests.scenarios import BLUESKY, MASTODON

    password = "flow-app-password-1234"
    Secret(value=password).save("bluesky-app-password", overwrite=True)
    monkeypatch.delenv("BLUESKY_APP_PASSWORD", raising=False)
    monkeypatch.delenv("REDDIT_CLIENT_SECRET", raising=False)
    with FakeApi() as api:
        MASTODON.serve(api)
        BLUESKY.serve(api)
        api.inject("/api/v1/timelines/tag/lindeveen", Reply("<html>502 Bad Gateway</html", 200),
                   params={"max_id": "113200000000000104"})
        path = flow_config(write_config, f"""
            [[sources]]
            kind = "mastodon"
            name = "mastodon"
            base_url = "{api.url}"
            hashtags = ["lindeveen"]
            retries = 0

            [[sources]]
            kind = "bluesky"
            name = "bluesky"
            base_url = "{api.url}"
            identifier = "gemeentelindeveen.nl"
            search = ["Lindeveen"]

            [[sources]]
            kind = "reddit"
            name = "reddit"
            client_id = "abc"
            subreddits = ["thenetherlands"]
            search = ["Lindeveen"]
        """)
        result = nightly(config_path=str(path), now=datetime(2026, 11, 21, 12, tzinfo=UTC),
                         return_state=True).result(raise_on_failure=False)
    by_source = {s["source"]: s for s in result["sources"]}
    assert result["status"] == "partial"
    assert by_source["demo"]["status"] == "ok"
    assert by_source["bluesky"]["status"] == "ok" and by_source["bluesky"]["new"] == 4
    assert by_source["mastodon"]["status"] == "failed" and by_source["mastodon"]["new"] == 2
    assert "#lindeveen page 2: the answer is not valid JSON" in by_source["mastodon"]["error"]
    assert by_source["reddit"]["status"] == "skipped"
    assert "REDDIT_CLIENT_SECRET" in by_source["reddit"]["error"]
    con = open_db(load_config(path).database_path)
    recorded_rows = con.execute("SELECT source, status, error FROM harvest_run_sources ORDER BY source").fetchall()
    assert [(s, st) for s, st, _ in recorded_rows] == [
        ("bluesky", "ok"), ("demo", "ok"), ("mastodon", "failed"), ("reddit", "skipped")]
    dump = json.dumps([str(r) for t in ("raw_items", "mentions", "watermarks", "harvest_run_sources")
                       for r in con.execute(f"SELECT * FROM {t}").fetchall()])
    con.close()
    out, err = capfd.readouterr()
    for text in (dump, json.dumps(result, default=str), out, err):
        assert password not in text and "access-jwt-secret" not in text
