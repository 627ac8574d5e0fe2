"""Benchmark: retention and erasure on a database file. `purge` (half the data past retention), `forget` of one
person, and the file rewrite after each (store/compact.py), which reads and writes the whole file.

Two databases: the demo municipality as `luisterpost demo` builds it (13 months, enriched, raw payloads), or N
synthetic enriched mentions over two years (default 1,000,000) with a raw payload each. Both keep posts for 12
months here and raw payloads for the default 35 days, so the first purge deletes much: the worst case, after an
upgrade; a nightly purge deletes one day's worth.
Run: .venv/bin/python bench/bench_retention.py [--rows 1000000 | --demo]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_metrics_db import build  # noqa: E402

from luisterpost.config import Config  # noqa: E402
from luisterpost.metrics.privacy import Pseudonymiser  # noqa: E402
from luisterpost.store import open_db  # noqa: E402
from luisterpost.store.compact import compact  # noqa: E402
from luisterpost.store.forget import forget_person  # noqa: E402
from luisterpost.store.retention import purge  # noqa: E402
from luisterpost.store.suppression import load  # noqa: E402


def build_synthetic(database: Path, rows: int) -> tuple[Config, datetime]:
    """N synthetic mentions over 2025–2026 with a raw payload each (fetched when posted)."""
    build(database, rows)
    con = open_db(database)
    con.execute("INSERT INTO raw_items SELECT 'synthetic', platform, id, created_at, json_object('id', id, 'author',"
                " json_object('handle', author_handle), 'text', text, 'reply_to', in_reply_to_id) FROM mentions")
    con.close()
    config = Config.model_validate({"municipality": {"name": "Benchstad"}, "base_dir": database.parent,
                                    "storage": {"database": database.name}, "privacy": {"retention_months": 12}})
    return config, datetime(2027, 1, 5, tzinfo=UTC)  # keeps 2026: drops half


def build_demo(database: Path) -> tuple[Config, datetime]:
    """The demo municipality's 13 months, harvested and enriched as `luisterpost demo` does, with raw payloads
    fetched when posted (as nightly harvests fetch them) and posts kept for 12 months."""
    from luisterpost.config import load_config
    from luisterpost.enrich.run import enrich_pending, matcher_for
    from luisterpost.harvest import harvest_source
    from luisterpost.paths import resource_dir
    from luisterpost.sources import build_source

    text = (resource_dir("examples") / "lindeveen.toml").read_text(encoding="utf-8")
    path = database.parent / "lindeveen.toml"
    path.write_text(text.replace('database = "../data/{slug}.duckdb"', f'database = "{database.name}"')
                    .replace("# until = 2026-10-31", "until = 2026-10-31").replace('path = "../data/drop"', 'path = "drop"')
                    + "\n[privacy]\nretention_months = 12\n", encoding="utf-8")
    config = load_config(path)
    con = open_db(database)
    harvest_source(con, build_source(config, config.sources[0], now=datetime(2026, 11, 1, 3, tzinfo=UTC)))
    enrich_pending(con, matcher_for(config))
    con.execute("UPDATE raw_items AS r SET fetched_at = m.created_at FROM mentions AS m"
                " WHERE m.platform = r.platform AND m.id = r.id")
    con.close()
    return config, datetime(2026, 11, 15, tzinfo=UTC)  # keeps November 2025 on: drops the first month


def mb(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--demo", action="store_true", help="the demo municipality instead of synthetic mentions")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "bench.duckdb"
        t0 = time.perf_counter()
        config, now = build_demo(database) if args.demo else build_synthetic(database, args.rows)
        con = open_db(database)
        mentions, raw = (con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in ("mentions", "raw_items"))
        con.close()
        print(f"built          : {mentions:,} mentions, {raw:,} raw payloads, {mb(database)} in "
              f"{time.perf_counter() - t0:.1f} s")
        done = compact(database)
        print(f"rewrite        : {done.seconds:.2f} s ({done.bytes_before / 1e6:,.0f} → {done.bytes_after / 1e6:,.0f} MB),"
              " nothing deleted")
        con = open_db(database)
        t0 = time.perf_counter()
        purged = purge(con, config, now=now)
        con.close()
        print(f"purge          : {time.perf_counter() - t0:.2f} s, {purged.mentions:,} mentions and {purged.raw_items:,}"
              f" raw payloads deleted (before {purged.cutoff:%Y-%m-%d})")
        done = compact(database)
        print(f"rewrite        : {done.seconds:.2f} s ({done.bytes_before / 1e6:,.0f} → {done.bytes_after / 1e6:,.0f} MB)")
        con = open_db(database)
        # After the purge: the resident the municipality's replies that are kept name most often (the person a
        # request is most work for). Chosen before it, their posts may be gone and forget would measure nothing.
        person = con.execute("SELECT platform, regexp_extract(text, '^@([a-z0-9_.]+)', 1) AS handle FROM mentions"
                             " WHERE text LIKE '@%' AND author_handle ILIKE '%gemeente%' AND handle NOT ILIKE"
                             " '%gemeente%' GROUP BY ALL ORDER BY count(*) DESC LIMIT 1").fetchall()[0]
        t0 = time.perf_counter()
        forgotten = forget_person(con, load(con, Pseudonymiser(os.urandom(32))), *person)
        con.close()
        print(f"forget         : {time.perf_counter() - t0:.2f} s, {forgotten.posts:,} posts removed, handle replaced in "
              f"{forgotten.texts:,} texts and {forgotten.payloads:,} raw payloads")
        done = compact(database)
        print(f"rewrite        : {done.seconds:.2f} s ({done.bytes_before / 1e6:,.0f} → {done.bytes_after / 1e6:,.0f} MB)")


if __name__ == "__main__":
    main()
