"""The watch: how soon an alert follows a burst, and what a cycle costs when nothing is new.

1. Latency: `luisterpost watch` runs (every --interval minutes, each cycle a Prefect flow run) on a Mastodon
   hashtag served on 127.0.0.1; right after its first cycle has read the platform, a burst of residents' posts
   appears there. Measured: from the burst appearing to the alert arriving at a webhook on 127.0.0.1 (goal: at
   most the interval + 60 s).
2. A cycle with nothing new on the demo municipality (--months of simulated posts): the cycle itself
   (luisterpost.watch.cycle.run_cycle, median of --repeat; goal ≤ 5 s), and `watch --once` as a command,
   Prefect's start included.
Run: .venv/bin/python bench/bench_watch.py [--interval 1] [--burst 12] [--months 2] [--repeat 3] [--skip-latency]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from luisterpost.config import load_config  # noqa: E402
from luisterpost.enrich.run import enrich_pending, matcher_for, scorer_for  # noqa: E402
from luisterpost.harvest import harvest_source  # noqa: E402
from luisterpost.sources import build_source  # noqa: E402
from luisterpost.store.access import SharedFile, database_opener  # noqa: E402
from luisterpost.watch.cycle import run_cycle  # noqa: E402
from luisterpost.watch.episodes import window  # noqa: E402
from tests.fakeapi import FakeApi  # noqa: E402
from tests.watching import TOKEN, TOKEN_ENV, Burst, Receiver, angry, watch_config  # noqa: E402

BIN = Path(sys.executable).parent
KEY = "a benchmark key that is long enough to be accepted"


def environment(folder: Path) -> dict[str, str]:
    env = {**os.environ, "PREFECT_HOME": str(folder / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "LUISTERPOST_PSEUDONYM_KEY": KEY, TOKEN_ENV: TOKEN, "MASTODON_TOKEN": "bench-token",
           "PYTHONUNBUFFERED": "1"}
    env.pop("PREFECT_API_URL", None)
    return env


def latency(folder: Path, interval: float, burst: int) -> float:
    """Seconds from a burst appearing at the platform to its alert at the receiver."""
    world = Burst()
    world.say("Mooie dag in Molenwijk vandaag.", datetime.now(UTC))  # the hashtag exists before the burst
    with FakeApi() as api, Receiver() as receiver:
        world.serve(api)
        config = folder / "latency.toml"
        config.write_text(watch_config(api.url, receiver.url, interval=interval), encoding="utf-8")
        watcher = subprocess.Popen([str(BIN / "luisterpost"), "--config", str(config), "watch"], env=environment(folder),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            path = "/api/v1/timelines/tag/lindeveen"
            deadline = time.monotonic() + 600
            while not api.hits(path):
                if watcher.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the watch did not start: {watcher.stderr.read()[-2000:]}")
                time.sleep(0.2)
            time.sleep(2)  # the first cycle has read the platform: the burst comes just too late for it
            appeared = time.monotonic()
            for text in angry(burst, "Heikamp"):
                world.say(text, datetime.now(UTC))
            while not receiver.arrived:
                if watcher.poll() is not None or time.monotonic() > appeared + interval * 60 + 600:
                    raise SystemExit(f"no alert arrived: {watcher.stderr.read()[-2000:]}")
                time.sleep(0.1)
            return receiver.arrived[0] - appeared
        finally:
            watcher.send_signal(signal.SIGINT)  # Ctrl-C
            try:
                watcher.wait(timeout=60)
            except subprocess.TimeoutExpired:
                watcher.kill()


def demo_cycles(folder: Path, months: int, repeat: int) -> tuple[list[float], float]:
    """Seconds per watch cycle with nothing new on the demo municipality (in process), and of `watch --once`."""
    config_path = folder / "demo.toml"
    example = (ROOT / "examples" / "lindeveen.toml").read_text(encoding="utf-8")
    example = example.replace('database = "../data/{slug}.duckdb"', 'database = "demo/{slug}.duckdb"')
    example = example.replace("months = 13", f"months = {months}").replace('path = "../data/drop"', 'path = "drop"')
    config_path.write_text(example, encoding="utf-8")
    os.environ.update(LUISTERPOST_PSEUDONYM_KEY=KEY)
    config = load_config(config_path)
    db = SharedFile(config.database_path, database_opener(config.database_path))
    started = time.monotonic()
    harvest_source(db, build_source(config, config.sources[0]))
    with db.write() as con:
        enriched = enrich_pending(con, matcher_for(config), scorer_for(config))
    print(f"demo: {enriched:,} mentions harvested and enriched in {time.monotonic() - started:.1f} s")
    start, end = window(datetime.now(UTC), config.watch.recent_hours)
    with db.read() as con:
        loaded = con.execute("SELECT count(*) FROM mentions WHERE created_at >= ? AND created_at < ?",
                             [start, end]).fetchall()[0][0]
    print(f"a cycle reads the {loaded:,} mentions of the last {(end - start).total_seconds() / 86400:.1f} days")
    first = run_cycle(db, config)  # alerts what the demo's last hours hold, once
    print(f"first cycle: {first.events} recent episode(s), {len(first.alerts)} alert(s)")
    times = []
    for _ in range(repeat):
        started = time.monotonic()
        cycle = run_cycle(db, config)
        times.append(time.monotonic() - started)
        assert not cycle.alerts and not cycle.enriched, "nothing new was expected"
    db.close()
    started = time.monotonic()
    done = subprocess.run([str(BIN / "luisterpost"), "--config", str(config_path), "watch", "--once"],
                          env=environment(folder), capture_output=True, text=True)
    command = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"watch --once failed: {done.stderr[-2000:]}")
    return times, command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--interval", type=float, default=1, help="the watch's interval in minutes")
    parser.add_argument("--burst", type=int, default=12, help="posts in the burst")
    parser.add_argument("--months", type=int, default=2, help="months of demo posts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-latency", action="store_true", help="only the cycle on the demo municipality")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if not args.skip_latency:
            seconds = latency(folder, args.interval, args.burst)
            goal = args.interval * 60 + 60
            print(f"burst → alert: {seconds:.1f} s (interval {args.interval:g} min; goal ≤ {goal:.0f} s: "
                  f"{'met' if seconds <= goal else 'NOT met'})")
        times, command = demo_cycles(folder, args.months, args.repeat)
        median = statistics.median(times)
        print(f"cycle with nothing new (demo, {args.months} months): median {median:.2f} s of "
              f"{', '.join(f'{t:.2f}' for t in times)} (goal ≤ 5 s: {'met' if median <= 5 else 'NOT met'})")
        print(f"`watch --once` with nothing new, Prefect's start included: {command:.1f} s")


if __name__ == "__main__":
    main()
