"""Report speed: the monthly PDF + HTML for the demo municipality in ≤ 10 s together, once the
metrics are computed. Builds 13 months of the demo municipality (fixed to end on 2026-10-31) in a temporary
database, then times gathering the figures and rendering HTML and PDF separately (wall time, best of 3).
Run: .venv/bin/python bench/bench_report.py
"""

from __future__ import annotations

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
        period = Period.month(2026, 10, config.municipality.tz)
        gather_s, data = best(lambda: gather(con, config, period))
        values_s, (values, figs) = best(lambda: report_values(data, config, "monthly", "nl", datetime.now(UTC)))
        html_s, _ = best(lambda: render_html(values, figs, "monthly"))
        pdf_s, _ = best(lambda: render_pdf(values, figs, "monthly", Path(tmp) / "report.pdf"))
        print(f"demo municipality: {mentions:,} mentions over 13 months; report for October 2026 "
              f"({data.metrics['mentions']:,} mentions, {len(figs)} figures)")
        print(f"gather figures (metrics)   {gather_s:5.2f} s")
        print(f"values and figures         {values_s:5.2f} s")
        print(f"HTML                       {html_s:5.2f} s")
        print(f"PDF (SVGs + WeasyPrint)    {pdf_s:5.2f} s")
        print(f"PDF + HTML once metrics are computed: {values_s + html_s + pdf_s:5.2f} s (goal ≤ 10 s)")


if __name__ == "__main__":
    main()
