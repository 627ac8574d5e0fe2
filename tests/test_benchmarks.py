"""Every benchmark in bench/ still runs, on a tiny size: a benchmark that no longer runs measures nothing.

The figures at these sizes mean nothing; what is checked is that each script completes and that its own checks
(numbers that must agree, counts that must match) pass."""

from __future__ import annotations


import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def run_bench(script: str, *args: str) -> str:
    """Run bench/`script` with `args`; return its output, failing the test with it when the script fails."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"{script} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_bench_import_runs():
    out = run_bench("bench_import.py", "--rows", "3000")
    assert "new=3,000" in out
    assert "re-import" in out and "new=0 updated=0" in out
    assert "stored rows  : 3,000" in out


def test_bench_metrics_runs_and_agrees_with_pandas(tmp_path):
    out = run_bench("bench_metrics.py", "--rows", "20000", "--data", str(tmp_path / "mentions.parquet"))
    assert "numbers agree" in out


def test_bench_metrics_db_runs(tmp_path):
    out = run_bench("bench_metrics_db.py", "--rows", "20000", "--db", str(tmp_path / "bench.duckdb"))
    assert "month" in out and "year" in out and "ratio" in out


def test_bench_masking_runs():
    out = run_bench("bench_masking.py", "--rows", "2000", "--repeat", "1")
    assert "2,000 texts masked in" in out and "nothing identifying left" in out


def test_bench_harvest_runs():
    out = run_bench("bench_harvest.py", "--sources", "2", "--pages", "2", "--latency", "0.01")
    assert "2 sources × 2 pages" in out
    assert "concurrency gain" in out


@pytest.mark.skipif(not (SHARED / "threads").is_dir(), reason="needs ../shared/data/threads beside the project")
def test_eval_threads_runs():
    out = run_bench("eval_threads.py")
    assert out.strip()


@pytest.mark.skipif(not (SHARED / "nl-party-tweets").is_dir() or importlib.util.find_spec("torch") is None,
                    reason="needs ../shared/data and PyTorch")
def test_bench_model_runs():
    out = run_bench("bench_model.py", "--texts", "5")
    assert out.strip()


def test_bench_report_runs():
    out = run_bench("bench_report.py")
    assert "the whole command" in out and "(goal ≤ 2×)" in out


def test_eval_tagging_runs():
    out = run_bench("eval_tagging.py")
    assert "precision" in out.lower() and "recall" in out.lower()


@pytest.mark.skipif(not (SHARED / "sentiment-dev").is_dir(), reason="needs ../shared/data beside the project")
def test_bench_sentiment_runs():
    out = run_bench("bench_sentiment.py", "--mentions", "500")
    assert "macro-F1" in out or "macro" in out.lower()


@pytest.mark.slow
def test_bench_fleet_runs():
    out = run_bench("bench_fleet.py", "--municipalities", "2", "--workers", "1,2")
    assert "1 worker(s): 2 nightly runs" in out and "2 worker(s): 2 nightly runs" in out
    assert "min for 100" in out


@pytest.mark.slow
def test_bench_watch_runs():
    out = run_bench("bench_watch.py", "--skip-latency", "--months", "1", "--repeat", "1")
    assert "cycle with nothing new" in out and "`watch --once`" in out


def test_bench_retention_runs():
    out = run_bench("bench_retention.py", "--rows", "20000")
    # Forget measures a person who still has posts after the purge (chosen before it, they could be gone).
    forgotten = re.search(r"forget +: [\d.]+ s, ([\d,]+) posts removed", out)
    assert forgotten and int(forgotten[1].replace(",", "")) > 0, out
