"""Rendering a report to one self-contained HTML file and to PDF, from the same values and figures.

The HTML holds plotly.js once and the interactive figures; the PDF shows the same figures as static SVG
(Plotly + kaleido, which drives the system's headless Chromium). All pagination, the table of contents,
page numbers and running headers live in reports/print.css."""

from __future__ import annotations

import base64
import re
import tomllib
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import plotly.graph_objects as go
import plotly.offline

from ..config import Config
from ..filemodes import REPORT, report_folder, set_mode
from ..filenames import file_stem
from ..metrics.compute import Filters
from ..metrics.period import Period
from ..paths import resource_dir
from . import charts, csp
from .browser import chart_browser
from .context import context, figures
from .data import ReportData, gather
from .links import safe_url

# Section id → heading key, in order; a section whose key is in OPTIONAL shows only when it has rows.
SECTIONS = {
    "monthly": [("samenvatting", "summary"), ("beeld", "perception"), ("bereik", "reach"), ("webcare", "webcare"),
                ("pieken", "spikes"), ("woonkernen", "woonkernen"), ("vergelijking", "peers"), ("werkwijze", "methods")],
    "alderman": [("samenvatting", "summary"), ("beeld", "trend"), ("onderwerpen", "issues"), ("woonkernen", "woonkernen")],
}
OPTIONAL = {"peers"}


@cache
def labels() -> dict[str, dict[str, str]]:
    """The report texts per language (reports/labels.toml)."""
    return tomllib.loads((resource_dir("reports") / "labels.toml").read_text(encoding="utf-8"))


def _environment() -> jinja2.Environment:
    # Autoescape everything: post texts and names are residents' words, never markup.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(resource_dir("reports") / "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    return env


@dataclass(frozen=True)
class RenderedReport:
    html: Path | None
    pdf: Path | None
    # What it was written from (period, filters, metrics): the mail that delivers it says the same (delivery.py).
    data: ReportData | None = field(default=None, compare=False, repr=False)


def html_charts(figs: dict[str, go.Figure]) -> dict[str, str]:
    """Each figure as an interactive div (plotly.js itself is included once in the page). Fixed div ids keep
    the output the same from run to run."""
    return {name: fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"plot-{name}",
                              config={"displaylogo": False, "responsive": True})
            for name, fig in figs.items()}


def print_charts(figs: dict[str, go.Figure]) -> dict[str, str]:
    """Each figure as a static SVG image (data URL) for the PDF."""
    return {name: f'<img src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}" alt="">'
            for name, svg in charts.to_svgs(figs).items()}


def report_values(data: ReportData, config: Config, kind: str, lang: str, generated_at: datetime) -> tuple[dict[str, Any], dict[str, go.Figure]]:
    """The template values and the figures of a report."""
    values = context(data, config, lang, generated_at, kind=kind, labels=labels())
    t = values["t"]
    values["sections"] = [(section, t[key]) for section, key in SECTIONS[kind]
                          if key not in OPTIONAL or values[key]]
    return values, figures(data, values, lang, labels())


# plotly.js adds the map library's stylesheet as an inline <style> with this kind of id, unless an element
# with that id is there already. The report draws no maps, and its policy would block (and report) that
# stylesheet, so the page holds an empty <style> with that id instead.
_MAP_STYLE = re.compile(r'getElementById\("([0-9a-f]{64})"\)\)\{var \w+=document\.createElement\("style"\)')


def plotly_style_ids(plotly_js: str) -> list[str]:
    """The ids of the stylesheets plotly.js would add to the page for maps (none for another build)."""
    return _MAP_STYLE.findall(plotly_js)


def render_html(values: dict[str, Any], figs: dict[str, go.Figure], kind: str, *, plotly_js: str | None = None) -> str:
    """The self-contained HTML page (`plotly_js`: the library to embed; default the installed plotly.js), with
    a Content-Security-Policy that lets only its own inline scripts and styles run (see csp.py)."""
    library = plotly.offline.get_plotlyjs() if plotly_js is None else plotly_js
    return csp.with_policy(_environment().get_template(f"{kind}.html.j2").render(
        **values, medium="screen", charts=html_charts(figs), plotly_js=library,
        plotly_style_ids=plotly_style_ids(library)))


def render_pdf(values: dict[str, Any], figs: dict[str, go.Figure], kind: str, path: Path, *,
               drawn: dict[str, str] | None = None) -> None:
    """Write the PDF to `path` (`drawn`: the figures as `print_charts` gives them, when drawn already)."""
    import weasyprint  # imported here: loading pango is only worth it when a PDF is wanted

    html = _environment().get_template(f"{kind}.html.j2").render(
        **values, medium="print", charts=print_charts(figs) if drawn is None else drawn)
    weasyprint.HTML(string=html, base_url=str(resource_dir("reports"))).write_pdf(path)


def write_report(data: ReportData, config: Config, out_dir: Path, *, kind: str = "monthly",
                 formats: tuple[str, ...] = ("html", "pdf"), lang: str = "nl",
                 generated_at: datetime | None = None) -> RenderedReport:
    """Write a report on gathered `data` as HTML and/or PDF into `out_dir`; return the paths."""
    values, figs = report_values(data, config, kind, lang, generated_at or datetime.now(config.municipality.tz))
    report_folder(out_dir)
    stem = file_stem(config, data.period, kind, data.filters, lang)
    html_path = pdf_path = None
    # The PDF's charts are drawn by the browser while the HTML page is written here.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts") as drawing:
        drawn = drawing.submit(print_charts, figs) if "pdf" in formats else None
        if "html" in formats:
            html_path = out_dir / f"{stem}.html"
            html_path.write_text(render_html(values, figs, kind), encoding="utf-8")
        if drawn is not None:
            pdf_path = out_dir / f"{stem}.pdf"
            render_pdf(values, figs, kind, pdf_path, drawn=drawn.result())
    # Meant for the organisation: the owner's group may read them, others not (filemodes.py).
    for written in (html_path, pdf_path):
        if written is not None:
            set_mode(written, REPORT)
    return RenderedReport(html_path, pdf_path, data)


def render_report(con: duckdb.DuckDBPyConnection, config: Config, period: Period, out_dir: Path, *,
                  kind: str = "monthly", filters: Filters = Filters(), formats: tuple[str, ...] = ("html", "pdf"),
                  lang: str = "nl", generated_at: datetime | None = None) -> list[RenderedReport]:
    """Gather the figures and write the report(s). An alderman report without a theme is written once per
    portfolio in the config. The crisis brief, on a window of hours, is report.crisis.render_crisis."""
    if kind not in SECTIONS:
        raise ValueError(f"render_report writes {', '.join(SECTIONS)}; a {kind} report has its own renderer")
    wanted = [filters]
    if kind == "alderman" and not filters.theme:
        wanted = [Filters(filters.platform, theme, filters.woonkern, filters.language)
                  for theme in config.terms.portfolios]
    # The PDF's chart browser starts now, so it is ready by the time the figures are gathered.
    with chart_browser() if "pdf" in formats else nullcontext():
        return [write_report(gather(con, config, period, each), config, out_dir, kind=kind, formats=formats,
                             lang=lang, generated_at=generated_at) for each in wanted]


def render_month(con: duckdb.DuckDBPyConnection, config: Config, period: Period, out_dir: Path, *,
                 formats: tuple[str, ...] = ("html", "pdf"), lang: str = "nl",
                 generated_at: datetime | None = None) -> RenderedReport:
    """The monthly management report for `period`."""
    return render_report(con, config, period, out_dir, formats=formats, lang=lang, generated_at=generated_at)[0]
