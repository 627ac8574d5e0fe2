"""The regional overview report: the municipalities of a fleet side by side for one month (HTML and/or PDF)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..config import slugify
from .formatting import Formatter
from .render import labels, render_html, render_pdf
from .texts import say

KIND = "regional"


def regional_values(rows: list[dict[str, Any]], region: str, year: int, month: int, lang: str,
                    generated_at: datetime) -> dict[str, Any]:
    """The template values: the rows formatted for `lang` (Dutch number formats by default), in their order."""
    t = labels()[lang]
    fmt = Formatter(lang)

    def worst(spike: dict[str, Any] | None) -> str:
        if not spike:
            return "–"
        kinds = {("volume",): t["spike_volume"], ("negativity",): t["spike_negativity"]}.get(
            tuple(spike["kinds"]), t["spike_both"])
        return t["regional_worst"].format(day=fmt.day_month(spike["start"].date()), kind=kinds,
                                          severity=spike["severity"], posts=fmt.number(spike["posts"]))

    shown = [{"municipality": r["municipality"], "config": r["config"], "error": r.get("error") or "",
              "population": fmt.number(r.get("population")), "mentions": fmt.number(r.get("mentions")),
              "per_10k": fmt.number(r.get("mentions_per_10k"), 1),
              "negative_per_10k": fmt.number(r.get("negative_per_10k"), 1),
              "net": fmt.signed(r.get("net_sentiment")), "rate": fmt.percent(r.get("response_rate")),
              "median": fmt.minutes(r.get("median_business_minutes")),
              "spikes": fmt.number(r.get("spikes")), "worst": worst(r.get("worst_spike"))}
             for r in rows]
    unreadable = sum(1 for r in shown if r["error"])
    return {"t": t, "lang": lang, "kind": KIND, "title": t["regional_title"], "municipality": region,
            "portfolio": None, "filters": None, "period_name": fmt.month(date(year, month, 1)),
            "generated": fmt.moment(generated_at), "rows": shown,
            "unreadable": say(t, "regional_unreadable", unreadable, count=fmt.number(unreadable)) if unreadable else "",
            "sections": [("overzicht", t["regional_overview"]), ("werkwijze", t["methods"])]}


def write_regional(rows: list[dict[str, Any]], region: str, year: int, month: int, out_dir: Path, *,
                   formats: tuple[str, ...] = ("html", "pdf"), lang: str = "nl",
                   generated_at: datetime | None = None) -> list[Path]:
    """Write the overview as luisterpost-regio-<region>-<YYYY-MM>-<lang>.html/.pdf into `out_dir`; return the
    paths written. It draws no charts: a table of counts, no posts and no names of residents."""
    values = regional_values(rows, region, year, month, lang, generated_at or datetime.now().astimezone())
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"luisterpost-regio-{slugify(region, 'regio')}-{year:04d}-{month:02d}-{lang}"
    written = []
    if "html" in formats:
        written.append(out_dir / f"{stem}.html")
        written[-1].write_text(render_html(values, {}, KIND, plotly_js=""), encoding="utf-8")
    if "pdf" in formats:
        written.append(out_dir / f"{stem}.pdf")
        render_pdf(values, {}, KIND, written[-1], drawn={})
    return written
