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
import random
import resource
import sys
import tempfile
import time
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


def floor_seconds(source: Path, database: Path) -> float:
    """DuckDB reading the file into a table by itself: what any import of it costs at the least."""
    con = duckdb.connect(str(database))
    started = time.perf_counter()
    con.execute("CREATE TABLE mentions AS SELECT * FROM read_json(?, format = 'newline_delimited')", [str(source)])
    seconds = time.perf_counter() - started
    con.close()
    return seconds


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
        base_rss = peak_mb()
        t0 = time.perf_counter()
        first = import_file(con, source)
        first_s = time.perf_counter() - t0
        first_peak = peak_mb()
        t0 = time.perf_counter()
        second = import_file(con, source)
        second_s = time.perf_counter() - t0
        import_peak = peak_mb()
        stored = con.execute("SELECT count(*) FROM mentions").fetchall()[0][0]
        t0 = time.perf_counter()
        enriched = enrich_pending(con, matcher_for(config))
        enrich_s = time.perf_counter() - t0
        con.close()
        floor_s = floor_seconds(source, Path(tmp) / "floor.duckdb")
    rate = args.rows / first_s
    print(f"file         : {args.rows:,} mentions, {size_mb:,.0f} MB")
    print(f"floor        : {floor_s:6.2f} s  {args.rows / floor_s:>10,.0f} rows/s      (DuckDB read_json into a table)")
    print(f"first import : {first_s:6.2f} s  {rate:>10,.0f} mentions/s  new={first.new:,}  "
          f"{first_s / floor_s:.2f}× the floor  (goals: ≥ 250,000/s, ≤ 2×)")
    print(f"re-import    : {second_s:6.2f} s  {args.rows / second_s:>10,.0f} mentions/s  new={second.new:,}"
          f" updated={second.updated:,}")
    print(f"stored rows  : {stored:,}   problems: {len(first.problems) + len(second.problems)}")
    print(f"peak RSS     : {import_peak:,.0f} MB during the imports (after the first: {first_peak:,.0f} MB; "
          f"before: {base_rss:,.0f} MB; goal < 1,024)")
    print(f"enrichment   : {enrich_s:6.2f} s  {enriched / enrich_s:>10,.0f} mentions/s  ({enriched:,} mentions; "
          f"after the import, not counted in its rate)")


if __name__ == "__main__":
    main()
