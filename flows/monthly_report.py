"""The monthly report flow: render a month's management report as HTML and PDF, and the alderman reports of the
portfolios that have recipients; then send each report to its recipients (`[delivery]`)."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.states import Failed, State

from flows.runtime import close_all, database, prefect_secret
from luisterpost import filters as checks
from luisterpost.config import Config, load_config
from luisterpost.delivery import Outcome, deliver, failure_message
from luisterpost.errors import UserError
from luisterpost.metrics.compute import Filters
from luisterpost.metrics.period import Period
from luisterpost.report.browser import chart_browser
from luisterpost.report.render import RenderedReport, render_month, render_report


@flow(name="monthly-report", log_prints=True)
def monthly_report(config_path: str | None = None, month: str | None = None, out_dir: str = "out",
                   lang: str = "nl", formats: list[str] | None = None, send: bool = True) -> dict | State:
    """Render the report for `month` (YYYY-MM; default: the last full month) and the alderman reports of the
    portfolios in `[delivery.alderman]`; unless `send` is false, mail each to its recipients. Return the written
    paths and the deliveries.

    A mail that did not reach everyone (server down, login refused, recipient refused; transient failures are
    tried again first) ends the run Failed, its message naming the report, the recipients and the reason; the
    reports stay written and the summary is the state's data. The deliveries are the artifact
    `delivery-<municipality>`."""
    config = load_config(config_path)
    # Checked as the command line checks them (a bad month or format fails the run naming the parameter).
    period = checks.period(config, datetime.now(config.municipality.tz).date(), month, flag="")
    wanted_formats = checks.formats(formats or ("html", "pdf"), flag="")
    lang = checks.report_language(lang, flag="")
    logger = get_run_logger()
    try:
        # One chart browser for every report's PDF; the database read-only, beside other readers.
        with chart_browser() if "pdf" in wanted_formats else nullcontext(), database(config).read() as con:
            rendered = render_month(con, config, period, Path(out_dir), formats=wanted_formats, lang=lang)
            aldermen = alderman_reports(con, config, period, Path(out_dir), wanted_formats, lang)
    finally:
        close_all()
    paths = _paths(rendered)
    logger.info("report written: %s", ", ".join(p for p in paths.values() if p))
    for each in aldermen:
        logger.info("alderman report written: %s", ", ".join(p for p in _paths(each).values() if p))
    summary: dict = {**paths, "alderman": [_paths(each) for each in aldermen], "deliveries": []}
    if not send:
        return summary
    try:
        outcomes = deliver(config, "monthly", [rendered], prefect_secret) + deliver(config, "alderman", aldermen,
                                                                                      prefect_secret)
    except UserError as exc:  # no mail could be tried (the password secret is not set): the reports stay written
        logger.error("%s", exc)
        return Failed(message=str(exc), data=summary)
    summary["deliveries"] = [o.row() for o in outcomes]
    return _delivered(config, outcomes, summary)


def alderman_reports(con: duckdb.DuckDBPyConnection, config: Config, period: Period, out_dir: Path,
                     formats: tuple[str, ...], lang: str) -> list[RenderedReport]:
    """The alderman report of each portfolio that has recipients in `[delivery.alderman]` (none without)."""
    return [report for theme, recipients in config.delivery.alderman.items() if recipients
            for report in render_report(con, config, period, out_dir, kind="alderman", filters=Filters(theme=theme),
                                        formats=formats, lang=lang)]


def _paths(rendered: RenderedReport) -> dict[str, str | None]:
    return {"html": str(rendered.html) if rendered.html else None, "pdf": str(rendered.pdf) if rendered.pdf else None}


def _delivered(config: Config, outcomes: list[Outcome], summary: dict) -> dict | State:
    """Log and publish the deliveries; the summary, or a Failed state naming what did not arrive."""
    logger = get_run_logger()
    for outcome in outcomes:
        if outcome.sent:
            logger.info("%s sent to %s", outcome.report, ", ".join(outcome.sent))
    if outcomes:
        create_table_artifact(key=f"delivery-{config.municipality.slug}", table=[o.row() for o in outcomes],
                              description=f"Reports of {config.municipality.name} sent by e-mail")
    problem = failure_message(outcomes)
    if problem:
        for line in problem.splitlines():
            logger.error(line)
        # Not Completed: an operator sees it in the UI and an automation can match on it (docs/operations.md).
        return Failed(message=problem, data=summary)
    return summary
