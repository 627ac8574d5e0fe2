"""Report figures with Plotly: interactive in the HTML, the same figure as static SVG in the PDF."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import polars as pl
import plotly.graph_objects as go

BLUE, RED, GREY = "#1f5aa6", "#c0392b", "#5f6b7a"


def daily_volume(daily: pl.DataFrame, labels: dict[str, str], day_label: Callable[[date], str]) -> go.Figure:
    """Bars of mentions per day with the negative ones as a line; axes titled with their units.

    `day_label` formats the weekly tick labels, so they follow the report's language."""
    fig = go.Figure()
    ticks = daily["day"].to_list()[::7]
    fig.add_bar(x=daily["day"].to_list(), y=daily["mentions"].to_list(), name=labels["volume_axis"],
                marker_color=BLUE)
    fig.add_scatter(x=daily["day"].to_list(), y=daily["negative"].to_list(), name=labels["negative_axis"],
                    mode="lines+markers", line={"color": RED, "width": 2}, marker={"size": 4})
    fig.update_layout(
        template="plotly_white", height=320, margin={"l": 60, "r": 20, "t": 20, "b": 50},
        font={"family": "DejaVu Sans, Arial, sans-serif", "size": 12, "color": "#222"},
        legend={"orientation": "h", "y": -0.22, "x": 0},
        yaxis_title=labels["volume_axis"],
        xaxis={"title": labels["day_axis"], "tickvals": ticks, "ticktext": [day_label(d) for d in ticks]},
        separators=",." if labels.get("_lang") == "nl" else ".,",
    )
    return fig


def to_svg(figure: go.Figure, width: int = 900) -> str:
    """Render a figure to SVG text (kaleido drives the system's headless Chromium)."""
    return figure.to_image(format="svg", width=width).decode("utf-8")
