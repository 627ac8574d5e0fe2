"""Real processes on one municipality's database: the analysts' commands run while a harvest runs, the harvest
does not fail on them, and a second harvest stops with one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakeapi import FakeApi
from tests.scenarios import MASTODON

BIN = Path(sys.executable).parent


def _run(config: Path, env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "luisterpost"), "--config", str(config), *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


@pytest.mark.slow
def test_commands_read_while_a_harvest_runs_and_a_second_harvest_stops(write_config, tmp_path):
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "LUISTERPOST_PSEUDONYM_KEY": "a test key that is long enough to be accepted"}
    env.pop("PREFECT_API_URL", None)
    # Every answer of the platform takes seconds: the harvest spends most of its time waiting on the network.
    with FakeApi(latency=3.0) as api:
        MASTODON.serve(api)
        config = write_config(f'''
            [[sources]]
            kind = "mastodon"
            name = "mastodon"
            base_url = "{api.url}"
            hashtags = ["lindeveen"]
            accounts = ["gemeentelindeveen"]
            timeout_seconds = 60
        ''')
        posts = tmp_path / "posts.jsonl"
        posts.write_text("\n".join(json.dumps({"platform": "facebook", "id": str(n), "author_handle": f"inwoner{n}",
                                               "created_at": f"2026-10-{n:02d}T10:00:00+02:00",
                                               "text": "Wanneer wordt het gft opgehaald?"}) for n in range(1, 29)),
                         encoding="utf-8")
        assert _run(config, env, "import", str(posts)).returncode == 0
        harvest = subprocess.Popen([str(BIN / "luisterpost"), "--config", str(config), "harvest"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            deadline = time.monotonic() + 180
            while "(harvest)" not in _run(config, env, "status").stdout:  # its run is recorded: it has begun
                assert harvest.poll() is None and time.monotonic() < deadline, harvest.communicate()
                time.sleep(0.5)
            # Started outside this Prefect (its own state folder, as a cron job would): the database's own turn
            # stops it. (Runs on one Prefect server wait for each other first: the limit nightly-<slug>.)
            second = _run(config, {**env, "PREFECT_HOME": str(tmp_path / "prefect-2")}, "harvest")
            readers = {
                "status": _run(config, env, "status"),
                "metrics": _run(config, env, "metrics", "--from", "2026-10-01", "--to", "2026-10-31", "--json"),
                "export": _run(config, env, "export", "--month", "2026-10", "--out", str(tmp_path / "rows.csv")),
                "report": _run(config, env, "report", "--month", "2026-10", "--format", "html", "--out",
                               str(tmp_path / "out")),
            }
            still_running = harvest.poll() is None
            out, err = harvest.communicate(timeout=300)
        finally:
            if harvest.poll() is None:
                harvest.kill()
    assert still_running, "the harvest ended before the readers had run: the test proves nothing"
    assert harvest.returncode == 0, err[-3000:]
    assert "mastodon:" in out and "Traceback" not in err
    # The second harvest did nothing and said why, in one line, with exit code 2.
    assert second.returncode == 2, second.stderr
    assert "another harvest of this database is running (process" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1 and "Traceback" not in second.stderr
    for name, result in readers.items():
        assert "Traceback" not in result.stderr and "Could not set lock" not in result.stderr, (name, result.stderr)
        assert result.returncode in ((0, 1) if name == "status" else (0,)), (name, result.stderr)
    assert json.loads(readers["metrics"].stdout)["mentions"] >= 28
    assert (tmp_path / "rows.csv").exists() and list((tmp_path / "out").glob("*.html"))
