"""Benchmark: every metric for N synthetic mentions (default 10,000,000) with Polars, and the headline
figures again with a straightforward pandas implementation on the same data: both must agree.

Goal: all metrics for 10M mentions in ≤ 10 s on 2 cores, peak memory ≤ 4 GB, and ≥ 10× pandas.
Run: .venv/bin/python bench/bench_metrics.py [--rows 10000000] [--skip-pandas]
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl  # noqa: E402

import memory  # noqa: E402
import synthetic  # noqa: E402

from luisterpost.metrics.compute import LOADED_COLUMNS, Settings, compute_frames, prepare  # noqa: E402
from luisterpost.metrics.period import Period  # noqa: E402
from luisterpost.schedule import business_calendar, parse_schedule  # noqa: E402

AMS = ZoneInfo("Europe/Amsterdam")
OWN = {p: {synthetic.OWN} for p in synthetic.PLATFORMS}
CALENDAR = business_calendar(parse_schedule("mon-fri 08:30-17:00"), AMS, "NL", [])
SETTINGS = Settings(OWN, CALENDAR, window_hours=72, norm_hours=4)
PERIOD = Period(date(2025, 1, 1), date(2025, 12, 31), AMS)


def headline_polars(result: dict) -> dict[str, float]:
    r = result["response"]
    b = result["broadcasting"]
    return {
        "mentions": result["mentions"], "unique_authors": result["unique_authors"], "own_share": result["own_share"],
        "negative_share": result["negative_share"], "net_sentiment": result["net_sentiment"],
        "reputation_index": result["reputation_index"],
        "potential_reach": result["reach"]["potential_reach"], "engagement": result["reach"]["engagement"],
        "cases": r["cases"], "answered": r["answered"], "rate": r["rate"],
        "median_minutes": r["first_response_minutes"]["median"], "p90_minutes": r["first_response_minutes"]["p90"],
        "mean_minutes": r["first_response_minutes"]["mean"],
        "median_business": r["first_response_business_minutes"]["median"],
        "p90_business": r["first_response_business_minutes"]["p90"],
        "mean_business": r["first_response_business_minutes"]["mean"],
        "within_norm_share": r["within_norm_share"], "reply_share": b["reply_share"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--data", help="parquet file of synthetic mentions (made if missing)")
    args = parser.parse_args()
    data = Path(args.data or f"{tempfile.gettempdir()}/luisterpost-synthetic-{args.rows}.parquet")
    if not data.exists():
        # Generated once, in another process, so the peak memory below is the metrics', not the generator's.
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sys, synthetic; synthetic.mentions(int(sys.argv[1]))"
                        ".write_parquet(sys.argv[2])", str(args.rows), str(data)],
                       check=True, cwd=Path(__file__).resolve().parent)
        print(f"generated   : {data} in {time.perf_counter() - t0:.1f} s")
    # The columns the metrics read, as `load_mentions` gives them.
    frame = pl.read_parquet(data, columns=list(LOADED_COLUMNS)).rechunk()
    base_rss = memory.settle()
    # From here the peak counts the metrics (with the data they hold), not the parquet reader's buffers.
    memory.reset_peak()
    t0 = time.perf_counter()
    rows = frame.height
    # As in `compute`, nothing else holds the loaded frame: columns the metrics replace can go.
    marked, timed = prepare(frame, SETTINGS)
    del frame
    result = compute_frames(marked, timed, PERIOD, SETTINGS)
    polars_s = time.perf_counter() - t0
    peak = memory.peak_mb()
    print(f"data        : {rows:,} mentions "
          f"({len(result['spikes'])} spike episodes, {result['response']['cases']:,} cases)")
    print(f"polars      : {polars_s:6.2f} s for all metrics; peak RSS {peak:,.0f} MB (data alone {base_rss:,.0f} MB)")
    if args.skip_pandas:
        return
    import pandas_reference

    del marked, timed
    pdf = pl.read_parquet(data, columns=list(LOADED_COLUMNS)).to_pandas()
    t0 = time.perf_counter()
    expected = pandas_reference.headline(pdf, PERIOD, CALENDAR, synthetic.OWN, window_hours=72, norm_hours=4)
    pandas_s = time.perf_counter() - t0
    got = headline_polars(result)
    mismatches = [k for k in expected if not (
        (expected[k] is None and got[k] is None)
        or (expected[k] is not None and got[k] is not None and math.isclose(expected[k], got[k], rel_tol=1e-9, abs_tol=1e-6)))]
    print(f"pandas      : {pandas_s:6.2f} s for the headline figures only")
    print(f"speed ratio : {pandas_s / polars_s:5.1f}× (pandas time / Polars time for all metrics)")
    for key in expected:
        mark = "  " if key not in mismatches else "≠ "
        print(f"  {mark}{key:<20} polars {got[key]!r:<24} pandas {expected[key]!r}")
    print("numbers agree" if not mismatches else f"MISMATCH in {', '.join(mismatches)}")
    if mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()
