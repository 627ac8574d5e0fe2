"""Harvest concurrency: 10 Mastodon sources × 20 pages (by default) against a server on 127.0.0.1 that takes
200 ms per request. Sources are harvested concurrently, so the whole harvest should take about as long as the
slowest source, not the sum of all. Measures one source alone, the ten one after another, and the ten through
the nightly flow (Prefect ephemeral mode; the harvest window is the first source's start to the last one's end).
Run: .venv/bin/python bench/bench_harvest.py [--sources 10] [--pages 20] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from luisterpost.config import Config  # noqa: E402
from luisterpost.harvest import harvest_source  # noqa: E402
from luisterpost.sources import build_source  # noqa: E402
from luisterpost.store import open_db  # noqa: E402
from tests.fakeapi import FakeApi  # noqa: E402

PER_PAGE = 40
NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)


def status(n: int, tag: str, source: int) -> dict:
    created = (NOW - timedelta(minutes=n)).isoformat().replace("+00:00", "Z")
    account = {"id": str(n % 50), "acct": f"inwoner{n % 50}", "display_name": "", "followers_count": n % 300}
    return {"id": str(10**17 - source * 10**6 - n), "created_at": created, "content": f"<p>Bericht {n} over #{tag}</p>",
            "account": account, "in_reply_to_id": None, "language": "nl", "url": None, "uri": f"x/{tag}/{n}",
            "replies_count": 0, "reblogs_count": 0, "favourites_count": n % 7, "spoiler_text": ""}


def serve(api: FakeApi, sources: int, pages: int) -> None:
    for s in range(sources):
        tag = f"tag{s}"
        path = f"/api/v1/timelines/tag/{tag}"
        for page in range(pages):
            items = [status(page * PER_PAGE + i, tag, s) for i in range(PER_PAGE)]
            headers = {}
            if page < pages - 1:
                headers["Link"] = f'<{{base}}{path}?limit=40&max_id={items[-1]["id"]}>; rel="next"'
            params = {"max_id": str(10**17 - s * 10**6 - (page * PER_PAGE - 1))} if page else None
            api.add(path, items, params=params, headers=headers)


def tables(api: FakeApi, sources: int, pages: int) -> list[dict]:
    return [{"kind": "mastodon", "name": f"mastodon-{s}", "base_url": api.url, "hashtags": [f"tag{s}"],
             "max_pages": pages + 5} for s in range(sources)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=int, default=10)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds the server takes per request")
    args = parser.parse_args()
    sources, pages = args.sources, args.pages
    with tempfile.TemporaryDirectory() as tmp, FakeApi(latency=args.latency) as api:
        serve(api, sources, pages)
        config = Config.model_validate({"municipality": {"name": "Bench"}, "sources": tables(api, sources, pages)})
        con = open_db(Path(tmp) / "serial.duckdb")
        started = time.perf_counter()
        one = harvest_source(con, build_source(config, config.sources[0], now=NOW))
        single = time.perf_counter() - started
        assert one.status == "ok" and one.new == pages * PER_PAGE, one
        started = time.perf_counter()
        for settings in config.sources[1:]:
            harvest_source(con, build_source(config, settings, now=NOW))
        serial = single + time.perf_counter() - started
        con.close()

        from flows.nightly import nightly

        lines = ['[municipality]\nname = "Bench"\n[storage]\ndatabase = "flow.duckdb"\n']
        for table in tables(api, sources, pages):
            lines.append("[[sources]]\n" + "\n".join(
                f"{k} = {v!r}".replace("'", '"') for k, v in table.items()) + "\n")
        path = Path(tmp) / "bench.toml"
        path.write_text("\n".join(lines), encoding="utf-8")
        started = time.perf_counter()
        result = nightly(config_path=str(path), now=NOW)
        flow_total = time.perf_counter() - started
        outcomes = result["sources"]
        assert all(o["status"] == "ok" and o["new"] == pages * PER_PAGE for o in outcomes), outcomes
        window = (max(o["finished_at"] for o in outcomes) - min(o["started_at"] for o in outcomes)).total_seconds()
        slowest = max((o["finished_at"] - o["started_at"]).total_seconds() for o in outcomes)
    print(f"{sources} sources × {pages} pages × {PER_PAGE} posts, {args.latency * 1000:.0f} ms per request")
    print(f"one source alone:             {single:6.2f} s")
    print(f"ten one after another:        {serial:6.2f} s")
    print(f"ten in the nightly flow:      {window:6.2f} s harvest window (slowest source {slowest:.2f} s); "
          f"flow total with enrichment and metrics {flow_total:.2f} s")
    print(f"concurrency gain:             {serial / window:6.1f}×")


if __name__ == "__main__":
    main()
