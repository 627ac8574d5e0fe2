"""The ad hoc report flow: any period, kind and filters, checked and rendered by the same code as `luisterpost
report`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from prefect import flow, get_run_logger

from flows.runtime import close_all, database
from luisterpost import filters as checks
from luisterpost.config import load_config
from luisterpost.report.render import render_report


@flow(name="adhoc-report", log_prints=True)
def adhoc_report(config_path: str | None = None, from_day: str | None = None, to_day: str | None = None,
                 month: str | None = None, kind: str = "monthly", theme: str | None = None,
                 woonkern: str | None = None, platform: str | None = None, language: str | None = None,
                 out_dir: str = "out", lang: str = "nl", formats: list[str] | None = None) -> list[dict]:
    """Render a report for from_day..to_day (YYYY-MM-DD, inclusive), else `month` (YYYY-MM), else the last full
    month, filtered; return the written paths. Every parameter is checked as the command line checks it: a bad
    one fails the run with a message naming it."""
    config = load_config(config_path)
    period = checks.period(config, datetime.now(config.municipality.tz).date(), month, from_day, to_day, flag="")
    kind = checks.kind(kind, flag="")
    lang = checks.report_language(lang, flag="")
    wanted_formats = checks.formats(formats or ("html", "pdf"), flag="")
    # Read-only, beside other readers; a harvest that wants to write waits until the report has what it needs.
    try:
        with database(config).read() as con:
            stored = checks.stored_platforms(con) if platform else ()
            wanted = checks.filters(config, platform, theme, woonkern, language, stored_platforms=stored, flag="")
            written = render_report(con, config, period, Path(out_dir), kind=kind, filters=wanted,
                                    formats=wanted_formats, lang=lang)
    finally:
        close_all()
    paths = [{"html": str(r.html) if r.html else None, "pdf": str(r.pdf) if r.pdf else None} for r in written]
    get_run_logger().info("reports written: %s", ", ".join(p for r in paths for p in r.values() if p) or "none")
    return paths
