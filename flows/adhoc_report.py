"""The ad hoc report flow: any period, kind and filters, through the same code as `luisterpost report`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger

from flows.runtime import close_all, connection
from luisterpost.config import load_config
from luisterpost.metrics.compute import Filters
from luisterpost.metrics.period import Period
from luisterpost.report.render import render_report


@flow(name="adhoc-report", log_prints=True)
def adhoc_report(config_path: str | None = None, from_day: str = "", to_day: str = "", kind: str = "monthly",
                 theme: str | None = None, woonkern: str | None = None, platform: str | None = None,
                 out_dir: str = "out", lang: str = "nl", formats: list[str] | None = None) -> list[dict]:
    """Render a report for from_day..to_day (YYYY-MM-DD, inclusive), filtered; return the written paths."""
    config = load_config(config_path)
    period = Period(date.fromisoformat(from_day), date.fromisoformat(to_day), config.municipality.tz)
    con = connection(config.database_path)
    written = render_report(con, config, period, Path(out_dir), kind=kind, filters=Filters(platform, theme, woonkern),
                            formats=tuple(formats or ("html", "pdf")), lang=lang)
    close_all()
    paths = [{"html": str(r.html) if r.html else None, "pdf": str(r.pdf) if r.pdf else None} for r in written]
    get_run_logger().info("reports written: %s", ", ".join(p for r in paths for p in r.values() if p))
    return paths
