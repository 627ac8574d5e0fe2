"""Many municipalities: a folder of configs, the nightly-fleet flow on two process workers, platform limits,
and the regional overview report."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from luisterpost.config import load_config
from luisterpost.errors import UserError
from luisterpost.fleet import read_fleet
from luisterpost.metrics.compute import compute
from luisterpost.metrics.regional import regional_rows
from luisterpost.report.regional import write_regional
from luisterpost.store import open_db

from .conftest import ACCOUNTS, ROOT
from .prefect_server import PREFECT, prefect_command, prefect_server
from .test_metrics import OCTOBER, ROWS, load, row

BIN = Path(sys.executable).parent


def municipality(folder: Path, file: str, name: str, population: int, extra: str = "") -> Path:
    """Write a municipality config into the fleet folder; its database is db/<slug>.duckdb beside it."""
    path = folder / file
    path.write_text(textwrap.dedent(f"""
        [municipality]
        name = "{name}"
        population = {population}
        [storage]
        database = "db/{{slug}}.duckdb"
    """) + ACCOUNTS + textwrap.dedent(extra), encoding="utf-8")
    return path


def test_a_fleet_refuses_two_configs_that_share_a_database_naming_both(tmp_path):
    municipality(tmp_path, "a.toml", "Lindeveen", 61250)
    municipality(tmp_path, "b.toml", "Lindeveen", 61250)  # a copied file, the name not yet changed
    with pytest.raises(UserError) as refused:
        read_fleet(tmp_path)
    message = str(refused.value)
    assert f"{tmp_path / 'b.toml'} and {tmp_path / 'a.toml'} both use the database {tmp_path / 'db' / 'lindeveen.duckdb'}" in message
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="empty: no municipality configs"):
        read_fleet(tmp_path / "empty")


def test_fleet_report_refuses_a_shared_database_and_a_bad_month_without_a_traceback(tmp_path):
    municipality(tmp_path, "a.toml", "Lindeveen", 61250)
    municipality(tmp_path, "b.toml", "Lindeveen", 61250)
    command = [str(BIN / "luisterpost"), "fleet-report", "--configs", str(tmp_path), "--out", str(tmp_path / "out")]
    shared = subprocess.run([*command, "--month", "2026-10"], capture_output=True, text=True)
    assert shared.returncode == 2 and "b.toml and" in shared.stderr and "both use the database" in shared.stderr
    month = subprocess.run([*command, "--month", "2026-13"], capture_output=True, text=True)
    assert month.returncode == 2 and "--month '2026-13': not a month like 2026-10" in month.stderr
    assert "Traceback" not in shared.stderr + month.stderr and not (tmp_path / "out").exists()


def test_a_fleet_lists_a_config_it_cannot_read_and_loads_the_others(tmp_path):
    municipality(tmp_path, "a.toml", "Aa", 10000)
    (tmp_path / "b.toml").write_text("[municipality\nname = 'Bee'\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a config", encoding="utf-8")
    fleet = read_fleet(tmp_path)
    assert [p.name for p in fleet.configs] == ["a.toml"] and [p.name for p in fleet.broken] == ["b.toml"]
    assert str(tmp_path / "b.toml") in fleet.broken[tmp_path / "b.toml"]


def test_platform_kinds_take_a_slot_of_their_platforms_limit_and_an_unknown_kind_is_refused():
    from flows.limits import ensure_limits, limit_name

    assert (limit_name("mastodon"), limit_name("facebook"), limit_name("demo"), limit_name("jsonl")) == (
        "platform-mastodon", "platform-facebook", None, None)
    with pytest.raises(UserError, match=r"^platform_limits: mastadon not a platform kind \(known: bluesky, "):
        ensure_limits({"mastadon": 2, "platform-bluesky": 1})


def spike_rows() -> list[dict]:
    """30 quiet days of 40 neutral residents' posts from 12 September, then 200 more on 8 October."""
    start = datetime(2026, 9, 12, 6, tzinfo=UTC)
    quiet = [row(f"q{d}-{i}", (start + timedelta(days=d, minutes=20 * i)).isoformat(), f"inwoner{i}", "neutraal")
             for d in range(30) for i in range(40)]
    storm = datetime(2026, 10, 8, 6, tzinfo=UTC)
    return quiet + [row(f"s{i}", (storm + timedelta(minutes=3 * i)).isoformat(), f"inwoner{i}", "negatief")
                    for i in range(200)]


def test_regional_rows_per_10000_inhabitants_with_spikes_and_unreadable_municipalities(tmp_path):
    folder = tmp_path / "regio"
    folder.mkdir()
    aa = folder / "aa.toml"  # own account gemeentex, as in the given rows
    aa.write_text('[municipality]\nname = "Aa"\npopulation = 50000\n[storage]\ndatabase = "db/{slug}.duckdb"\n'
                  '[accounts]\nmastodon = ["gemeentex"]\n', encoding="utf-8")
    bee = municipality(folder, "bee.toml", "Bee", 20000)
    municipality(folder, "cee.toml", "Cee", 30000)  # never harvested: no database yet
    dee = municipality(folder, "dee.toml", "Dee", 40000)  # its database is held by a writing process
    ee = municipality(folder, "ee.toml", "Ee", 15000)  # its database file is not a database
    (folder / "ef.toml").write_text("[municipality]\nname = 'Ef'\npopulation = 'veel'\n", encoding="utf-8")
    for path, rows in ((aa, ROWS[:4]), (bee, spike_rows()), (dee, ROWS[:2])):
        con = open_db(load_config(path).database_path)
        load(con, tmp_path, rows)
        con.close()
    load_config(ee).database_path.write_bytes(b"not a database" * 100)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               f"con = duckdb.connect({str(load_config(dee).database_path)!r})\n"
                               "print('open', flush=True)\ntime.sleep(120)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        rows = {r["config"]: r for r in regional_rows(read_fleet(folder), 2026, 10)}
    finally:
        holder.kill()
        holder.wait()
    assert list(rows) == ["aa.toml", "bee.toml", "cee.toml", "dee.toml", "ee.toml", "ef.toml"]
    a = rows["aa.toml"]
    # Aa: 4 residents' posts (2 positive, 1 neutral, 1 negative) among 50,000 inhabitants.
    assert (a["municipality"], a["population"], a["mentions"]) == ("Aa", 50000, 4)
    assert a["mentions_per_10k"] == pytest.approx(0.8) and a["negative_per_10k"] == pytest.approx(0.2)
    assert a["net_sentiment"] == pytest.approx((2 - 1) / (2 + 1)) and (a["spikes"], a["worst_spike"]) == (0, None)
    b = rows["bee.toml"]
    # October: 11 quiet days (1–11 October) of 40 posts, and the 200.
    assert b["mentions"] == 11 * 40 + 200 and b["mentions_per_10k"] == pytest.approx(640 / 20000 * 10_000)
    # 8 October: 240 residents' posts against 40 a day, all of that day in one volume-and-negativity event.
    assert b["spikes"] == 1
    worst = b["worst_spike"]
    assert (worst["start"].date(), worst["kinds"], worst["posts"]) == (date(2026, 10, 8), ["volume", "negativity"], 240)
    con = open_db(load_config(bee).database_path)
    monthly = compute(con, load_config(bee), OCTOBER)  # the municipality's own report tells the same event
    con.close()
    assert worst["severity"] == monthly["spikes"][0]["severity"] and set(worst) == {"start", "kinds", "severity", "posts"}
    assert rows["cee.toml"]["error"] == f"{folder / 'cee.toml'}: its database {folder / 'db' / 'cee.duckdb'} does not exist yet"
    assert "dee.duckdb: cannot open the database" in rows["dee.toml"]["error"] and "lock" in rows["dee.toml"]["error"]
    assert "ee.duckdb: cannot open the database" in rows["ee.toml"]["error"] and rows["ee.toml"]["municipality"] == "Ee"
    assert rows["ef.toml"]["municipality"] == "ef" and "population" in rows["ef.toml"]["error"]
    # The report shows the same rows, Dutch formatted, counts only; the unreadable ones with their reason.
    html = write_regional(list(rows.values()), "Regio Testland", 2026, 10, tmp_path / "out", formats=("html",),
                          generated_at=datetime(2026, 11, 2, 9, tzinfo=UTC))[0]
    assert html.name == "luisterpost-regio-regio-testland-2026-10-nl.html"
    text = html.read_text(encoding="utf-8")
    assert "Regio-overzicht online luisteren" in text and "oktober 2026" in text
    assert re.search(r"<td>Aa</td><td class=\"num\">50\.000</td><td class=\"num\">4</td><td class=\"num\">0,8</td>"
                     r"<td class=\"num\">0,2</td><td class=\"num\">\+0,33</td>", text)
    assert re.search(r"<td>Bee</td>.*<td class=\"num\">1</td><td>8 oktober: Piek in berichten en in negatieve "
                     r"berichten, ernst \d+ van 10, 240 berichten</td>", text)
    assert "4 gemeenten konden niet gelezen worden" in text and "does not exist yet" in text
    assert "inwoner1" not in text and "bericht q" not in text


@pytest.mark.slow
def test_nightly_fleet_on_two_process_workers_with_a_failing_municipality(tmp_path):
    folder = tmp_path / "gemeenten"
    folder.mkdir()
    (folder / "not-a-folder").write_text("x")
    demo = '\n[[sources]]\nkind = "demo"\nmonths = 1\nuntil = 2026-10-31\nseed = {seed}\n'
    names = ["Aa", "Bee", "Cee", "Dee", "Ee", "Ef"]
    for seed, name in enumerate(names):
        # Ef's second source is a drop folder that is a file: that source fails, so its nightly run fails.
        broken = '\n[[sources]]\nkind = "jsonl"\nname = "kapot"\npath = "not-a-folder"\n' if name == "Ef" else ""
        municipality(folder, f"{name.lower()}.toml", name, 10000 * (seed + 1), demo.format(seed=seed) + broken)
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    with prefect_server(tmp_path / "prefect-server") as (api, client_env):
        prefect_command(client_env, "work-pool", "create", "luisterpost", "--type", "process")
        prefect_command(client_env, "--no-prompt", "deploy", "--all")
        worker_env = {**client_env, "PREFECT_WORKER_QUERY_SECONDS": "2"}
        workers = [subprocess.Popen([PREFECT, "worker", "start", "--pool", "luisterpost", "--type", "process",
                                     "--name", f"worker-{n}", "--limit", "2"], env=worker_env, cwd=ROOT,
                                    stdout=log.open("w"), stderr=subprocess.STDOUT) for n, log in enumerate(logs, 1)]
        try:
            # Without a limit (as in Prefect's ephemeral mode) a platform slot never waits.
            assert slot_overlap(client_env) > 0.5
            prefect_command(client_env, "deployment", "run", "nightly-fleet/nightly-fleet", "--params",
                            json.dumps({"configs_dir": str(folder), "poll_seconds": 2,
                                        "platform_limits": {"mastodon": 1, "bluesky": 3}}))
            fleet = wait_for_fleet(api, timeout=900)
            # The platforms' limits (each nightly also makes its municipality's own, nightly-<slug>).
            limits = {c["name"]: c["limit"] for c in httpx.post(f"{api}/v2/concurrency_limits/filter", json={}).json()
                      if c["name"].startswith("platform-")}
            # With the limit the fleet created (one slot), two harvests of the same platform take turns.
            assert slot_overlap(client_env) < 0
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=60)
        assert limits == {"platform-mastodon": 1, "platform-bluesky": 3}
        nightly = {r["name"].split("-")[1]: r for r in flow_runs(api) if r["name"].startswith("nightly-")}
        assert sorted(nightly) == sorted(n.lower() for n in names)
        states = {slug: r["state"]["type"] for slug, r in nightly.items()}
        assert states == {"aa": "COMPLETED", "bee": "COMPLETED", "cee": "COMPLETED", "dee": "COMPLETED",
                          "ee": "COMPLETED", "ef": "FAILED"}
        # The fleet is Failed and names the municipality that failed; the others completed all the same.
        assert fleet["state"]["type"] == "FAILED"
        assert fleet["state"]["message"] == "1 of 6 municipalities failed: Ef (failed)"
        artifact = httpx.post(f"{api}/artifacts/filter", json={"artifacts": {"key": {"any_": ["nightly-fleet"]}}}).json()
        table = json.loads(artifact[0]["data"])
        assert [(r["municipality"], r["state"]) for r in table] == [
            ("Aa", "COMPLETED"), ("Bee", "COMPLETED"), ("Cee", "COMPLETED"), ("Dee", "COMPLETED"),
            ("Ee", "COMPLETED"), ("Ef", "FAILED")]
        assert table[-1]["message"] == "harvest run 1 partial: kapot failed"
        # Both workers ran some of the six (a run both workers reach for is submitted by one; the flow's own
        # log lines show in the log of the worker that ran it).
        ran = [{slug for slug, r in nightly.items() if f"Flow run '{r['name']}' - Finished in state" in log.read_text()}
               for log in logs]
        assert ran[0] and ran[1] and ran[0] | ran[1] == set(nightly), ran
    # The regional report over the six files (read-only), as a command.
    result = subprocess.run([str(BIN / "luisterpost"), "fleet-report", "--configs", str(folder), "--month", "2026-10",
                             "--format", "html", "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    text = Path(result.stdout.strip()).read_text(encoding="utf-8")
    for name in names:
        assert f"<td>{name}</td>" in text
    assert 'class="failed"' not in text and "Inwoners" in text and "60.000" in text


def slot_overlap(client_env: dict[str, str]) -> float:
    """Two threads of a fresh process each hold a `platform-mastodon` slot for a second: how many seconds their
    holds overlapped (negative: the second waited for the first)."""
    script = textwrap.dedent("""
        import threading, time
        from flows.limits import platform_slot
        spans = []
        def hold():
            with platform_slot("mastodon"):
                start = time.monotonic(); time.sleep(1); spans.append((start, time.monotonic()))
        threads = [threading.Thread(target=hold) for _ in range(2)]
        [t.start() for t in threads]; [t.join() for t in threads]
        (a, b), (c, d) = sorted(spans)
        print(b - c)
    """)
    done = subprocess.run([sys.executable, "-c", script], env=client_env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return float(done.stdout.strip().splitlines()[-1])


def flow_runs(api: str) -> list[dict]:
    return httpx.post(f"{api}/flow_runs/filter", json={"limit": 200}).json()


def wait_for_fleet(api: str, timeout: float) -> dict:
    """The nightly-fleet flow run once it has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fleet = [r for r in flow_runs(api) if "configs_dir" in r["parameters"]]
        if fleet and fleet[0]["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return fleet[0]
        time.sleep(3)
    pytest.fail("the nightly-fleet run did not end in time")
