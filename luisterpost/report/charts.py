"""Report figures with Plotly: interactive in the HTML, the same figure as static SVG in the PDF.

Every figure has titled axes with units, colours that read in print (and for the colour-blind: sentiment is
red / grey / blue), and labels in the report's language (`labels`, from reports/labels.toml). Texts from
posts never go into a figure: only counts, names of themes, places and platforms, and dates."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from datetime import date
from html import escape

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
from plotly.subplots import make_subplots

from .browser import chart_browser

BLUE, RED, GREY = "#1f5aa6", "#c0392b", "#8a96a3"
SENTIMENT_COLOURS = {"negative": RED, "neutral": GREY, "positive": BLUE}
WEEKDAYS = {"nl": ["ma", "di", "wo", "do", "vr", "za", "zo"], "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}


def _layout(fig: go.Figure, labels: dict[str, str], height: int = 320, legend: bool = True) -> go.Figure:
    fig.update_layout(
        template="plotly_white", height=height, margin={"l": 70, "r": 20, "t": 20, "b": 60},
        font={"family": "DejaVu Sans, Arial, sans-serif", "size": 12, "color": "#222"},
        legend={"orientation": "h", "y": -0.25, "x": 0}, showlegend=legend,
        separators=",." if labels.get("_lang") == "nl" else ".,",
    )
    return fig


def daily_volume(daily: pl.DataFrame, labels: dict[str, str], day_label: Callable[[date], str],
                 spans: Sequence[tuple[date, date]] = ()) -> go.Figure:
    """Bars of mentions per day with the negative ones as a line; `spans` (first, last day) are shaded as
    spikes. `day_label` formats the weekly tick labels, so they follow the report's language."""
    fig = go.Figure()
    days = daily["day"].to_list()
    ticks = days[::7]
    for first, last in spans:
        fig.add_vrect(x0=first, x1=last, fillcolor="#fbe3e0", line_width=0, layer="below")
    fig.add_bar(x=days, y=daily["mentions"].to_list(), name=labels["volume_axis"], marker_color=BLUE)
    fig.add_scatter(x=days, y=daily["negative"].to_list(), name=labels["negative_axis"],
                    mode="lines+markers", line={"color": RED, "width": 2}, marker={"size": 4})
    fig.update_layout(yaxis_title=labels["volume_axis"],
                      xaxis={"title": labels["day_axis"], "tickvals": ticks, "ticktext": [day_label(d) for d in ticks]})
    return _layout(fig, labels)


def sentiment_trend(trend: pl.DataFrame, labels: dict[str, str], month_label: Callable[[date], str]) -> go.Figure:
    """Per month: residents' posts as stacked shares negative / neutral / positive (%), and Net Sentiment
    as a line on its own axis below."""
    months = [month_label(m) for m in trend["month"]]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35], vertical_spacing=0.06)
    for key in ("negative", "neutral", "positive"):
        share = [None if v is None else 100 * v for v in trend[f"{key}_share"]]
        fig.add_bar(x=months, y=share, name=labels[f"share_{key}"], marker_color=SENTIMENT_COLOURS[key],
                    hovertemplate="%{x}: %{y:.0f}%<extra>" + escape(labels[f"share_{key}"]) + "</extra>", row=1, col=1)
    fig.add_scatter(x=months, y=trend["net_sentiment"].to_list(), name=labels["net_sentiment"], mode="lines+markers",
                    line={"color": "#222", "width": 2}, row=2, col=1)
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text=labels["share_axis"], range=[0, 100], ticksuffix="%", row=1, col=1)
    fig.update_yaxes(title_text=labels["net_axis"], range=[-1, 1], zeroline=True, zerolinecolor="#999", row=2, col=1)
    return _layout(fig, labels, height=420)


def monthly_volume(trend: pl.DataFrame, labels: dict[str, str], month_label: Callable[[date], str]) -> go.Figure:
    """Mentions per month."""
    fig = go.Figure(go.Bar(x=[month_label(m) for m in trend["month"]], y=trend["mentions"].to_list(),
                           marker_color=BLUE, name=labels["volume_axis"]))
    fig.update_layout(yaxis_title=labels["volume_month_axis"])
    return _layout(fig, labels, height=260, legend=False)


def ranked_bars(names: Sequence[str], values: Sequence[float | None], labels: dict[str, str], axis: str, *,
                diverging: bool = False, percent: bool = False) -> go.Figure:
    """Horizontal bars, first name on top. Diverging: negative values red, positive blue (Net Sentiment)."""
    shown = [0 if v is None else (100 * v if percent else v) for v in values]
    colours = [RED if diverging and v < 0 else BLUE for v in shown]
    fig = go.Figure(go.Bar(y=[escape(n) for n in names], x=shown, orientation="h", marker_color=colours,
                           hovertemplate="%{y}: %{x:.2f}<extra></extra>" if not percent else
                           "%{y}: %{x:.0f}%<extra></extra>"))
    fig.update_layout(xaxis={"title": axis, "ticksuffix": "%" if percent else "",
                             "range": [-1, 1] if diverging else None},
                      yaxis={"autorange": "reversed"})
    return _layout(fig, labels, height=max(180, 40 + 28 * len(names)), legend=False)


def response_bands(bands: pl.DataFrame, band_names: Sequence[str], labels: dict[str, str]) -> go.Figure:
    """Answered cases per band of first response time (office hours); bands within the norm in blue, later
    ones in red."""
    fig = go.Figure(go.Bar(x=list(band_names), y=bands["cases"].to_list(),
                           marker_color=[BLUE if w else RED for w in bands["within_norm"]],
                           hovertemplate="%{x}: %{y}<extra></extra>"))
    fig.update_layout(xaxis_title=labels["band_axis"], yaxis_title=labels["cases_axis"])
    return _layout(fig, labels, height=280, legend=False)


def weekday_hour(rows: Sequence[dict[str, object]], value: str, labels: dict[str, str], axis: str,
                 colours: str = "Blues") -> go.Figure:
    """A weekday × hour heatmap of `value` (cases, or median office minutes) from response_by_weekday_hour."""
    lang = labels.get("_lang", "nl")
    grid: list[list[float | None]] = [[None] * 24 for _ in range(7)]
    for row in rows:
        grid[int(row["weekday"]) - 1][int(row["hour"])] = row[value]
    fig = go.Figure(go.Heatmap(z=grid, x=[f"{h:02d}" for h in range(24)], y=WEEKDAYS[lang], colorscale=colours,
                               colorbar={"title": {"text": axis}}, hoverongaps=False,
                               hovertemplate="%{y} %{x}:00 · %{z:.0f}<extra></extra>"))
    fig.update_layout(xaxis_title=labels["hour_axis"], yaxis={"autorange": "reversed"})
    return _layout(fig, labels, height=260, legend=False)


def theme_trend(trend: pl.DataFrame, labels: dict[str, str], month_label: Callable[[date], str]) -> go.Figure:
    """One portfolio over 13 months: mentions (bars) above, Net Sentiment and negative share below."""
    months = [month_label(m) for m in trend["month"]]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.5, 0.5], vertical_spacing=0.08,
                        specs=[[{}], [{"secondary_y": True}]])
    fig.add_bar(x=months, y=trend["mentions"].to_list(), name=labels["volume_axis"], marker_color=BLUE, row=1, col=1)
    fig.add_scatter(x=months, y=trend["net_sentiment"].to_list(), name=labels["net_sentiment"], mode="lines+markers",
                    line={"color": "#222", "width": 2}, row=2, col=1)
    fig.add_scatter(x=months, y=[None if v is None else 100 * v for v in trend["negative_share"]],
                    name=labels["share_negative"], mode="lines+markers", line={"color": RED, "width": 2, "dash": "dot"},
                    row=2, col=1, secondary_y=True)
    fig.update_yaxes(title_text=labels["volume_month_axis"], row=1, col=1)
    fig.update_yaxes(title_text=labels["net_axis"], range=[-1, 1], row=2, col=1)
    fig.update_yaxes(title_text=labels["share_axis"], range=[0, 100], ticksuffix="%", row=2, col=1, secondary_y=True,
                     showgrid=False)
    return _layout(fig, labels, height=440)


def to_svgs(figures: dict[str, go.Figure], width: int = 900) -> dict[str, str]:
    """Render figures to SVG text, with one headless Chromium for all of them (see `chart_browser`)."""
    if not figures:
        return {}
    with chart_browser(), warnings.catch_warnings():
        # Plotly notes that per-call browser options do not apply to a running server: none are given.
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        return {name: pio.to_image(fig, format="svg", width=width).decode("utf-8") for name, fig in figures.items()}
