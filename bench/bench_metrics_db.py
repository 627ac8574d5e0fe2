"""Benchmark: `luisterpost metrics` the way an analyst runs it, on a DuckDB file of N enriched mentions over two
years (default 10,000,000 from 1 January 2025 to 31 December 2026): one month and one whole year, each as its own
command (start-up, loading, metrics and printing the JSON included), and as the floor a bare DuckDB count and
group-by over the same file and period.

Goals (2 cores): one month ≤ 3 s and a year ≤ 10 s wall, peak memory ≤ 3 GB per command.
Run: .venv/bin/python bench/bench_metrics_db.py [--rows 10000000] [--db FILE]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402

import synthetic  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DAYS = 730  # two years
PERIODS = {"month": ("2026-10-01", "2026-10-31"), "year": ("2026-01-01", "2026-12-31")}

CONFIG = """
[municipality]
name = "Benchstad"
population = 250000

[storage]
database = "{database}"

[accounts]
{accounts}

[terms]
names = ["Benchstad"]
woonkernen = ["Benchstad"]

[terms.portfolios]
{portfolios}
"""


def build(database: Path, rows: int) -> None:
    """Write `rows` synthetic mentions and their enrichment into a new database at `database` (migrated as the
    product migrates it), in time order as a nightly harvest leaves them."""
    from luisterpost.store import open_db

    frame = synthetic.mentions(rows, days=DAYS)
    con = open_db(database)
    con.execute("SET enable_progress_bar = false")
    con.register("frame", frame.to_arrow())
    con.execute("""
        INSERT INTO mentions
        SELECT platform, id, created_at, author_handle, NULL, NULL, author_followers, text, url, in_reply_to_id,
               conversation_id, lang, likes, reposts, replies, quotes, views, 'synthetic', created_at, created_at
        FROM frame""")
    con.execute("""
        INSERT INTO enrichments
        SELECT platform, id, 0, sentiment_label, sentiment_score, NULL, 'regels', themes, woonkernen, language,
               needs_reply, false, 'synthetic', now(), created_at
        FROM frame""")
    con.close()


def config_file(folder: Path, database: Path) -> Path:
    accounts = "\n".join(f'{p} = ["{synthetic.OWN}"]' for p in synthetic.PLATFORMS if p != "news")
    portfolios = "\n".join(f'{t} = ["{t}"]' for t in synthetic.THEMES)
    path = folder / "benchstad.toml"
    path.write_text(CONFIG.format(database=database, accounts=accounts, portfolios=portfolios), encoding="utf-8")
    return path


def command(config: Path, first: str, last: str) -> tuple[float, float]:
    """Run `luisterpost metrics --json` for [first, last] in a process of its own: (wall s, peak RSS MB)."""
    args = [str(ROOT / ".venv/bin/luisterpost"), "--config", str(config), "metrics", "--from", first, "--to", last,
            "--json"]
    t0 = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(args)} failed:\n{process.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024


def floor(database: Path, first: str, last: str) -> float:
    """A bare DuckDB count and group-by over the period (mentions per platform and sentiment), in seconds."""
    con = duckdb.connect(str(database), read_only=True)
    t0 = time.perf_counter()
    con.execute("""
        SELECT m.platform, e.sentiment_label, count(*)
        FROM mentions AS m JOIN enrichments AS e USING (platform, id)
        WHERE m.created_at >= ?::TIMESTAMPTZ AND m.created_at < ?::TIMESTAMPTZ + INTERVAL 1 DAY
        GROUP BY ALL""", [first, last]).fetchall()
    seconds = time.perf_counter() - t0
    con.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--db", help="the database to use (made if missing)")
    args = parser.parse_args()
    database = Path(args.db or f"{tempfile.gettempdir()}/luisterpost-metrics-{args.rows}.duckdb")
    if not database.exists():
        t0 = time.perf_counter()
        build(database, args.rows)
        print(f"built        : {database} ({database.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - t0:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        config = config_file(Path(tmp), database)
        print(f"data         : {args.rows:,} enriched mentions over two years")
        for name, (first, last) in PERIODS.items():
            wall, peak = command(config, first, last)
            bare = floor(database, first, last)
            print(f"{name:<13}: {wall:6.2f} s wall, peak RSS {peak:,.0f} MB; floor (DuckDB count/group-by) {bare:.2f} s, "
                  f"ratio {wall / bare:,.1f}×")
    print("goals        : month ≤ 3 s, year ≤ 10 s, peak ≤ 3,072 MB")


if __name__ == "__main__":
    main()
