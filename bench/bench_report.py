"""Report speed: the whole command an analyst waits for, `luisterpost report --month 2026-10` (PDF + HTML, start-up
included) on the demo municipality, goal ≤ 5 s wall. Builds 13 months of the demo municipality (fixed to end on
2026-10-31) in a temporary database, times the command (best of 3), then its parts in this process: gathering
the figures and rendering HTML and PDF separately (wall time, best of 3).

Then the same month with one resident's post of 600,000 characters added (with the most engagement, so
every table that shows posts shows it): the PDF clips shown texts, so it must render in at most twice the
time of the demo month alone (goal: time linear in text length, not quadratic).
Run: .venv/bin/python bench/bench_report.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from luisterpost.config import load_config  # noqa: E402
from luisterpost.enrich.run import enrich_pending, matcher_for  # noqa: E402
from luisterpost.harvest import harvest_source  # noqa: E402
from luisterpost.metrics.period import Period  # noqa: E402
from luisterpost.paths import resource_dir  # noqa: E402
from luisterpost.report.data import gather  # noqa: E402
from luisterpost.report.render import render_html, render_pdf, report_values  # noqa: E402
from luisterpost.sources import build_source  # noqa: E402
from luisterpost.store import open_db  # noqa: E402


def best(run, times: int = 3) -> tuple[float, object]:
    results = []
    for _ in range(times):
        started = time.perf_counter()
        value = run()
        results.append((time.perf_counter() - started, value))
    return min(results, key=lambda r: r[0])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        text = (resource_dir("examples") / "lindeveen.toml").read_text(encoding="utf-8")
        path = Path(tmp) / "gemeente.toml"
        path.write_text(text.replace('database = "../data/{slug}.duckdb"', 'database = "db.duckdb"')
                        .replace("# until = 2026-10-31", "until = 2026-10-31").replace('path = "../data/drop"', 'path = "drop"'),
                        encoding="utf-8")
        config = load_config(path)
        con = open_db(config.database_path)
        for settings in config.sources:
            if settings.kind == "demo":
                harvest_source(con, build_source(config, settings, now=datetime(2026, 11, 1, 3, tzinfo=UTC)))
        enrich_pending(con, matcher_for(config))
        mentions = con.execute("SELECT count(*) FROM mentions").fetchone()[0]
        con.close()  # the command opens the database itself
        command_s, _ = best(lambda: subprocess.run(
            [str(Path(sys.executable).with_name("luisterpost")), "--config", str(path), "report", "--month", "2026-10",
             "--out", str(Path(tmp) / "out")], check=True, capture_output=True))
        con = open_db(config.database_path)
        period = Period.month(2026, 10, config.municipality.tz)
        gather_s, data = best(lambda: gather(con, config, period))
        values_s, (values, figs) = best(lambda: report_values(data, config, "monthly", "nl", datetime.now(UTC)))
        html_s, _ = best(lambda: render_html(values, figs, "monthly"))
        pdf_s, _ = best(lambda: render_pdf(values, figs, "monthly", Path(tmp) / "report.pdf"))
        print(f"demo municipality: {mentions:,} mentions over 13 months; report for October 2026 "
              f"({data.metrics['mentions']:,} mentions, {len(figs)} figures)")
        print(f"luisterpost report --month 2026-10 (PDF + HTML, the whole command): {command_s:5.2f} s (goal ≤ 5 s)")
        print(f"gather figures (metrics)   {gather_s:5.2f} s")
        print(f"values and figures         {values_s:5.2f} s")
        print(f"HTML                       {html_s:5.2f} s")
        print(f"PDF (SVGs + WeasyPrint)    {pdf_s:5.2f} s")
        print(f"PDF + HTML once metrics are computed: {values_s + html_s + pdf_s:5.2f} s (goal ≤ 10 s)")

        add_long_post(con, LONG_POST)
        enrich_pending(con, matcher_for(config))
        long_gather_s, long_data = best(lambda: gather(con, config, period), times=1)
        long_values_s, (long_values, long_figs) = best(
            lambda: report_values(long_data, config, "monthly", "nl", datetime.now(UTC)), times=1)
        long_pdf_s, _ = best(lambda: render_pdf(long_values, long_figs, "monthly", Path(tmp) / "long.pdf"), times=1)
        alone = values_s + pdf_s
        with_long = long_values_s + long_pdf_s
        print(f"with one post of {LONG_POST:,} characters: gather {long_gather_s:5.2f} s, values {long_values_s:5.2f} s, "
              f"PDF {long_pdf_s:5.2f} s")
        print(f"values + PDF: {with_long:5.2f} s against {alone:5.2f} s alone = {with_long / alone:4.2f}× (goal ≤ 2×); "
              f"gather + values + PDF {long_gather_s + with_long:5.2f} s against {gather_s + alone:5.2f} s "
              f"= {(long_gather_s + with_long) / (gather_s + alone):4.2f}×")


LONG_POST = 600_000


def add_long_post(con, length: int) -> None:
    """One resident's post of `length` characters (ordinary words) in October 2026, with more likes than any
    other post: it tops the tables that show posts."""
    words = "de gemeente moet nu eindelijk iets doen aan de kapotte stoep bij de school in Lindeveen "
    text = (words * (length // len(words) + 1))[:length]
    con.execute("INSERT INTO mentions (platform, id, created_at, author_handle, author_followers, text, lang, source,"
                " first_seen_at, updated_at, likes) VALUES ('mastodon', 'long-1', ?, 'langschrijver', 10, ?, 'nl',"
                " 'bench', now(), now(), 100000)", [datetime(2026, 10, 21, 12, tzinfo=UTC), text])


if __name__ == "__main__":
    main()
