"""The monthly report flow: render a month's management report as HTML and PDF."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from prefect import flow, get_run_logger

from flows.runtime import close_all, database
from luisterpost import filters as checks
from luisterpost.config import load_config
from luisterpost.report.render import render_month


@flow(name="monthly-report", log_prints=True)
def monthly_report(config_path: str | None = None, month: str | None = None, out_dir: str = "out",
                   lang: str = "nl", formats: list[str] | None = None) -> dict:
    """Render the report for `month` (YYYY-MM; default: the last full month); return the written paths."""
    config = load_config(config_path)
    # Checked as the command line checks them (a bad month or format fails the run naming the parameter).
    period = checks.period(config, datetime.now(config.municipality.tz).date(), month, flag="")
    wanted_formats = checks.formats(formats or ("html", "pdf"), flag="")
    lang = checks.report_language(lang, flag="")
    try:
        with database(config).read() as con:  # read-only, beside other readers
            rendered = render_month(con, config, period, Path(out_dir), formats=wanted_formats, lang=lang)
    finally:
        close_all()
    paths = {"html": str(rendered.html) if rendered.html else None, "pdf": str(rendered.pdf) if rendered.pdf else None}
    get_run_logger().info("report written: %s", ", ".join(p for p in paths.values() if p))
    return paths
