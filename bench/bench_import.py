"""Benchmark: import N mentions from Mentions JSONL v1 into a DuckDB file, import the same file again, enrich
what was imported, and load the file with DuckDB's own read_json as the floor.

Goals (2 cores): the import itself at ≥ 250,000 mentions/s and within 2× of the floor (DuckDB's read_json into a
table: no checks, no upsert, no run record), peak memory < 1 GB during the import, and the re-import adds 0
rows. Enrichment (what `luisterpost import` does next) is timed apart: it is not part of the import goal.
Run: .venv/bin/python bench/bench_import.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from luisterpost.config import load_config  # noqa: E402
from luisterpost.enrich.run import enrich_pending, matcher_for  # noqa: E402
from luisterpost.importer import import_file  # noqa: E402
from luisterpost.paths import resource_dir  # noqa: E402
from luisterpost.store import open_db  # noqa: E402

WORDS = ("de gemeente het afval parkeren weg kapot bedankt waarom wanneer container straat buurt "
         "overlast gat fiets groen park school zorg wonen huur vergunning").split()


def write_mentions(path: Path, rows: int, seed: int = 7) -> None:
    """Write `rows` synthetic mentions (realistic field mix and text lengths) to `path`."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    platforms = ("mastodon", "bluesky", "reddit", "facebook", "youtube", "news")
    with path.open("w", encoding="utf-8") as out:
        for i in range(rows):
            created = start + timedelta(seconds=rng.randrange(0, 365 * 86400))
            record = {
                "platform": platforms[i % len(platforms)],
                "id": str(10_000_000 + i),
                "created_at": created.isoformat(),
                "author_handle": f"user{rng.randrange(200_000)}",
                "text": " ".join(rng.choices(WORDS, k=rng.randrange(5, 40))),
                "author_followers": int(rng.paretovariate(1.2) * 50),
                "likes": rng.randrange(50), "reposts": rng.randrange(10), "replies": rng.randrange(5),
            }
            if i % 3:
                record["in_reply_to_id"] = str(10_000_000 + rng.randrange(max(i, 1)))
                record["conversation_id"] = record["in_reply_to_id"]
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(run) -> tuple[object, float, float]:
    """(what `run()` returns, wall-clock seconds, CPU seconds of every thread in this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def floor_run(source: Path, database: Path) -> tuple[float, float]:
    """DuckDB reading the file into a table by itself, what any import of it costs at the least: (wall, CPU) s."""
    database.unlink(missing_ok=True)
    con = duckdb.connect(str(database))
    con.execute("SET enable_progress_bar = false")
    _, wall, cpu = timed(lambda: con.execute(
        "CREATE TABLE mentions AS SELECT * FROM read_json(?, format = 'newline_delimited')", [str(source)]))
    con.close()
    return wall, cpu


def floor(source: Path, database: Path) -> tuple[float, float]:
    # In a process of its own, so its memory does not count in the import's peak.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(floor_run, source, database).result()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--memory-limit", default="", help="DuckDB memory_limit, e.g. 1GB")
    args = parser.parse_args()
    config = load_config(resource_dir("examples") / "lindeveen.toml")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "mentions.jsonl"
        write_mentions(source, args.rows)
        size_mb = source.stat().st_size / 1e6
        con = open_db(Path(tmp) / "bench.duckdb")
        if args.memory_limit:
            con.execute("SET memory_limit = ?", [args.memory_limit])
        # The floor before and after the import: on a shared machine the load moves; the ratio uses their mean.
        floor_before = floor(source, Path(tmp) / "floor.duckdb")
        base_rss = peak_mb()
        first, first_s, first_cpu = timed(lambda: import_file(con, source))
        first_peak = peak_mb()
        second, second_s, _ = timed(lambda: import_file(con, source))
        import_peak = peak_mb()
        stored = con.execute("SELECT count(*) FROM mentions").fetchall()[0][0]
        floor_after = floor(source, Path(tmp) / "floor.duckdb")
        enriched, enrich_s, _ = timed(lambda: enrich_pending(con, matcher_for(config)))
        con.close()
    floor_s = (floor_before[0] + floor_after[0]) / 2
    floor_cpu = (floor_before[1] + floor_after[1]) / 2
    print(f"file         : {args.rows:,} mentions, {size_mb:,.0f} MB")
    print(f"floor        : {floor_s:6.2f} s  {args.rows / floor_s:>10,.0f} rows/s      CPU {floor_cpu:5.2f} s  "
          f"(DuckDB read_json into a table; {floor_before[0]:.2f} s before the import, {floor_after[0]:.2f} s after)")
    print(f"first import : {first_s:6.2f} s  {args.rows / first_s:>10,.0f} mentions/s  CPU {first_cpu:5.2f} s  "
          f"new={first.new:,}")
    print(f"               {first_s / floor_s:.2f}× the floor's time, {first_cpu / floor_cpu:.2f}× its CPU "
          f"(goals for the import itself: ≥ 250,000 mentions/s, ≤ 2×)")
    print(f"re-import    : {second_s:6.2f} s  {args.rows / second_s:>10,.0f} mentions/s  new={second.new:,}"
          f" updated={second.updated:,}")
    print(f"stored rows  : {stored:,}   problems: {len(first.problems) + len(second.problems)}")
    print(f"peak RSS     : {import_peak:,.0f} MB during the imports (after the first: {first_peak:,.0f} MB; "
          f"before: {base_rss:,.0f} MB; goal < 1,024)")
    print(f"enrichment   : {enrich_s:6.2f} s  {enriched / enrich_s:>10,.0f} mentions/s  ({enriched:,} mentions; "
          f"what `luisterpost import` does next, not part of the import's rate)")

if __name__ == "__main__":
    main()
