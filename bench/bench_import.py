"""Benchmark: import N mentions from Mentions JSONL v1 into a DuckDB file, then import the same file again.

Goal (issue 2): ≥ 100,000 mentions/s on 2 cores, peak memory < 2 GB, and the re-import adds 0 rows.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from luisterpost.importer import import_file  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--memory-limit", default="", help="DuckDB memory_limit, e.g. 1GB")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "mentions.jsonl"
        write_mentions(source, args.rows)
        size_mb = source.stat().st_size / 1e6
        con = open_db(Path(tmp) / "bench.duckdb")
        if args.memory_limit:
            con.execute(f"SET memory_limit = '{args.memory_limit}'")
        base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        first = import_file(con, source)
        first_s = time.perf_counter() - t0
        first_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        second = import_file(con, source)
        second_s = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        stored = con.execute("SELECT count(*) FROM mentions").fetchall()[0][0]
    print(f"file: {args.rows:,} mentions, {size_mb:,.0f} MB")
    print(f"first import : {first_s:6.2f} s  {args.rows / first_s:>10,.0f} mentions/s  new={first.new:,}")
    print(f"re-import    : {second_s:6.2f} s  {args.rows / second_s:>10,.0f} mentions/s  new={second.new:,}"
          f" updated={second.updated:,}")
    print(f"stored rows  : {stored:,}   problems: {len(first.problems) + len(second.problems)}")
    print(f"peak RSS     : {peak:,.0f} MB (after the first import: {first_peak:,.0f} MB; before: {base_rss:,.0f} MB)")


if __name__ == "__main__":
    main()
