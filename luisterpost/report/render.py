"""Rendering a month's report to self-contained HTML and to PDF."""

from __future__ import annotations

import base64
import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import duckdb
import jinja2
import plotly.offline

from ..config import Config
from ..metrics.period import Period
from ..metrics.summary import MonthSummary, summarise
from ..paths import resource_dir
from ..sql import query
from . import charts
from .formatting import Formatter


@cache
def _labels() -> dict[str, dict[str, str]]:
    return tomllib.loads((resource_dir("reports") / "labels.toml").read_text(encoding="utf-8"))


def _environment() -> jinja2.Environment:
    # Autoescape everything: post texts and names are residents' words, never markup.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(resource_dir("reports") / "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )


@dataclass(frozen=True)
class RenderedReport:
    html: Path | None
    pdf: Path | None


def coverage(con: duckdb.DuckDBPyConnection, period: Period) -> list[dict[str, object]]:
    """Per source: mentions stored for the period, their platforms, harvest runs in the period and failures."""
    relation = con.execute(query("marts/source_coverage"), {"start": period.start, "end": period.end})
    names = [d[0] for d in relation.description]
    return [dict(zip(names, row)) for row in relation.fetchall()]


def context(config: Config, summary: MonthSummary, sources: list[dict[str, object]], lang: str,
            generated_at: datetime) -> dict[str, object]:
    """The plain values the templates show, formatted for `lang`."""
    fmt = Formatter(lang)
    t = dict(_labels()[lang])
    window = fmt.number(config.webcare.conversation_window_hours)
    return {
        "lang": lang,
        "t": t,
        "municipality": config.municipality.name,
        "month": fmt.month(summary.period.first_day),
        "generated": fmt.moment(generated_at.astimezone(config.municipality.tz)),
        "has_data": summary.mentions > 0,
        "has_cases": summary.cases > 0,
        "tiles": [
            {"label": t["mentions"], "value": fmt.number(summary.mentions), "note": t["mentions_note"]},
            {"label": t["share_negative"], "value": fmt.percent(summary.share_negative),
             "note": t["share_negative_note"]},
            {"label": t["response_rate"], "value": fmt.percent(summary.response_rate),
             "note": t["response_rate_note"].format(cases=fmt.number(summary.cases), window=window)},
            {"label": t["median_response"], "value": fmt.minutes(summary.median_response_minutes),
             "note": t["median_response_note"]},
        ],
        "sources": [
            {**s, "mentions": fmt.number(s["mentions"]), "runs": fmt.number(s["runs"]),
             "failed": fmt.number(s["failed"])}
            for s in sources
        ],
    }


def render_month(con: duckdb.DuckDBPyConnection, config: Config, period: Period, out_dir: Path, *,
                 formats: tuple[str, ...] = ("html", "pdf"), lang: str = "nl",
                 generated_at: datetime | None = None) -> RenderedReport:
    """Compute the month's figures and write the report as HTML and/or PDF into `out_dir`; return the paths."""
    summary = summarise(con, config, period)
    values = context(config, summary, coverage(con, period), lang, generated_at or datetime.now(config.municipality.tz))
    labels = {**values["t"], "_lang": lang}  # type: ignore[dict-item]
    figure = charts.daily_volume(summary.daily, labels, Formatter(lang).short_day) if summary.mentions else None
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"luisterpost-{config.municipality.slug}-{period.label}-{lang}"
    env = _environment()
    html_path = pdf_path = None
    if "html" in formats:
        chart = figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False}) if figure else None
        html = env.get_template("monthly.html.j2").render(
            **values, medium="screen", chart_html=chart, plotly_js=plotly.offline.get_plotlyjs(),
        )
        html_path = out_dir / f"{stem}.html"
        html_path.write_text(html, encoding="utf-8")
    if "pdf" in formats:
        import weasyprint  # imported here: loading pango is only worth it when a PDF is wanted

        svg = charts.to_svg(figure) if figure else None
        chart_src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode() if svg else None
        html = env.get_template("monthly.html.j2").render(**values, medium="print", chart_src=chart_src)
        pdf_path = out_dir / f"{stem}.pdf"
        weasyprint.HTML(string=html, base_url=str(resource_dir("reports"))).write_pdf(pdf_path)
    return RenderedReport(html_path, pdf_path)
