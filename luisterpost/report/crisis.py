"""The crisis brief: one or two pages on a window of hours (a storm, an incident) for the crisis team, as HTML
and PDF like the other reports. `render_crisis` is what the command line and the alert flow call.

Gathering (`gather_crisis`) reads the window and the 7 days before it; `crisis_values` formats what the
template crisis.html.j2 shows. Every figure is defined in docs/metrics.md, "Crisisbrief"."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from html import escape
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from ..config import Config, slugify
from ..errors import UserError
from ..filemodes import REPORT, report_folder, set_mode
from ..metrics import crisis
from ..metrics.compute import prepare, settings_of
from ..metrics.load import load_mentions
from ..metrics.privacy import pseudonymiser_of
from ..metrics.topics import top_terms
from ..metrics.webcare import AUTHOR
from . import charts
from .browser import chart_browser
from .formatting import Formatter
from .render import RenderedReport, labels, print_charts, render_html, render_pdf
from .texts import CLIP_SCREEN, clip, platform_label, say

OPEN_SHOWN = 6  # open questions and complaints listed; the rest are counted
OWN_SHOWN = 3  # own posts listed: those with the most reactions, in time order
TERMS_SHOWN = 10
RUMOURS_SHOWN = 5
PLACES_SHOWN = 5  # woonkernen and themes each: the most posts first
SHARED_SHOWN = 4
CLIP_BRIEF = 220  # characters of a post text in the PDF: two lines in the brief's narrower tables
PLATFORM_COLOURS = ["#1f5aa6", "#e07b00", "#2a9d8f", "#7b4fa0", "#8a96a3", "#b5651d", "#4d7c0f", "#c0392b"]


@dataclass(frozen=True)
class CrisisData:
    start: datetime  # UTC
    end: datetime  # UTC, the first instant after the window
    tz: str
    posts: int  # residents' posts in the window
    hourly: pl.DataFrame  # crisis.hourly
    feeling: dict[str, Any]  # crisis.feeling
    terms: list[dict[str, Any]]  # term, posts
    rumours: list[dict[str, Any]]  # posts, authors, first, text (masked)
    shared: pl.DataFrame  # platform, created_at, author, text, url, engagement, sentiment_label (masked)
    places: list[dict[str, Any]]  # crisis.against_usual over woonkernen
    themes: list[dict[str, Any]]  # crisis.against_usual over themes
    own: pl.DataFrame  # OWN_SHOWN own posts (not replies) with the most reactions, in time order: platform,
    # created_at, text, url, reactions, reactions_negative, reactions_positive
    own_totals: dict[str, Any]  # crisis.own_posts totals
    open_cases: pl.DataFrame  # the first OPEN_SHOWN open questions and complaints, oldest first: platform,
    # started_at, author (pseudonym), text (masked)
    open_total: int
    open_questions: int  # open cases that ask a question or complain


def gather_crisis(con: duckdb.DuckDBPyConnection, config: Config, start: datetime, end: datetime) -> CrisisData:
    """Everything the brief on [start, end) shows, residents masked and pseudonymised."""
    settings = settings_of(config)
    tz = str(config.municipality.tz)
    marked, timed = prepare(load_mentions(con, start - crisis.BASELINE, end), settings)
    in_window = (pl.col("created_at") >= start) & (pl.col("created_at") < end)
    marked = marked.with_columns(pl.col("platform").cast(pl.String), AUTHOR)
    window, before = marked.filter(in_window), marked.filter(pl.col("created_at") < start)
    privacy = pseudonymiser_of(config)

    def shown(frame: pl.DataFrame) -> pl.DataFrame:
        # Every text shown passes the masking and the pseudonymiser; residents' links are dropped by names().
        return privacy.texts(privacy.names(frame), settings.own_handles)

    residents = window.filter(~pl.col("is_own"))
    texts = residents["text"].fill_null("").to_list()
    terms = top_terms(texts, before.filter(~pl.col("is_own"))["text"].fill_null("").to_list(), TERMS_SHOWN,
                      exclude=settings.own_words)
    lowered = residents["text"].fill_null("").str.to_lowercase()
    found = crisis.rumours(window, n=RUMOURS_SHOWN)
    examples = shown(window[found["row"]]) if found.height else window.head(0)
    shared = crisis.most_shared(window, n=SHARED_SHOWN)
    own, own_totals = crisis.own_posts(marked, start, end)
    cases = crisis.open_cases(timed, start, end)
    asking = cases.filter("needs_reply").head(OPEN_SHOWN)
    first = marked.select("platform", "text", "author", "author_followers", "is_own", url=pl.lit(None, pl.String))
    open_rows = shown(first[asking["first_row"]]) if asking.height else first.head(0)
    hours = (end - start).total_seconds() / 3600
    return CrisisData(
        start=start, end=end, tz=tz, posts=residents.height,
        hourly=crisis.hourly(window, start, end, tz),
        feeling=crisis.feeling(window, before),
        terms=[{"term": term, "posts": int(lowered.str.contains(term, literal=True).sum())} for term in terms],
        rumours=[{"posts": r["posts"], "authors": r["authors"], "first": r["first"], "text": text}
                 for r, text in zip(found.iter_rows(named=True), examples["text"].to_list())],
        shared=shown(shared.select("platform", "id", "created_at", "author", "author_followers", "is_own", "text",
                                   "url", "engagement", pl.col("sentiment_label").cast(pl.String))),
        places=crisis.against_usual(window, before, "woonkernen", hours, crisis.BASELINE.total_seconds() / 3600),
        themes=crisis.against_usual(window, before, "themes", hours, crisis.BASELINE.total_seconds() / 3600),
        own=shown(own.with_row_index("order").sort(["reactions", "order"], descending=[True, False]).head(OWN_SHOWN)
                  .sort("order").select("platform", "created_at", "author", "author_followers", "is_own", "text", "url",
                             "reactions", "reactions_negative", "reactions_positive")),
        own_totals=own_totals,
        open_cases=open_rows.with_columns(started_at=asking["started_at"]),
        open_total=cases.height, open_questions=int(cases["needs_reply"].sum()),
    )


def _moment(fmt: Formatter, value: datetime, tz: str) -> str:
    """'8 okt 14:05' in the municipality's time."""
    local = value.astimezone(ZoneInfo(tz))
    return f"{fmt.short_day(local.date())} {local:%H:%M}"


def window_name(fmt: Formatter, start: datetime, end: datetime, tz: str) -> str:
    """'8 oktober 2026 06:00 – 9 oktober 2026 12:00' in the municipality's time."""
    zone = ZoneInfo(tz)
    first, last = start.astimezone(zone), end.astimezone(zone)
    return f"{fmt.day(first.date())} {first:%H:%M} – {fmt.day(last.date())} {last:%H:%M}"


def _factor(fmt: Formatter, t: dict[str, str], value: float | None) -> str:
    return t["new"] if value is None else "×" + fmt.number(value, 1)


def crisis_values(data: CrisisData, config: Config, lang: str, generated_at: datetime,
                  labels: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The values crisis.html.j2 shows, formatted for `lang`."""
    fmt = Formatter(lang)
    t = dict(labels[lang])
    c = t["crisis"]
    f = data.feeling
    name = window_name(fmt, data.start, data.end, data.tz)
    moment = lambda v: _moment(fmt, v, data.tz)  # noqa: E731
    platform = lambda p: platform_label(t, p)  # noqa: E731
    hourly = data.hourly
    busiest = (hourly.group_by("hour").agg(pl.col("posts").sum()).sort(["posts", "hour"], descending=[True, False])
               .row(0, named=True) if data.posts else None)
    own = data.own_totals
    return {
        "lang": lang, "t": t, "c": c, "kind": "crisis", "title": c["title"],
        "municipality": config.municipality.name, "period_name": name, "portfolio": "", "filters": "",
        "generated": fmt.moment(generated_at.astimezone(config.municipality.tz)), "sections": [],
        "has_data": data.posts > 0,
        "no_posts": c["no_posts"].format(window=name),
        "summary": [
            {"label": c["posts"], "value": fmt.number(data.posts),
             "note": say(c, "s_busiest", busiest["posts"] if busiest else 0,
                         hour=f"{fmt.short_day(busiest['hour'].date())} {busiest['hour']:%H:00}",
                         posts=fmt.number(busiest["posts"])) if busiest else ""},
            {"label": c["negative_share"], "value": fmt.percent(f["negative_share"]),
             "note": c["s_before"].format(value=fmt.percent(f["before_negative_share"]))},
            {"label": t["net_sentiment"], "value": fmt.signed(f["net_sentiment"]),
             "note": c["s_before"].format(value=fmt.signed(f["before_net_sentiment"]))
             + (f" ({fmt.signed(f['net_change'])})" if f["net_change"] is not None else "")},
            {"label": c["open"], "value": fmt.number(data.open_total),
             "note": say(c, "s_open", data.open_questions, questions=fmt.number(data.open_questions))},
        ],
        "terms": [{"term": r["term"], "posts": fmt.number(r["posts"])} for r in data.terms],
        "rumours": [{"posts": fmt.number(r["posts"]), "authors": fmt.number(r["authors"]), "first": moment(r["first"]),
                     "text": clip(r["text"], CLIP_SCREEN), "text_print": clip(r["text"], CLIP_BRIEF)} for r in data.rumours],
        "shared": [{"date": moment(p["created_at"]), "platform": platform(p["platform"]), "author": p["author"],
                    "text": clip(p["text"], CLIP_SCREEN), "text_print": clip(p["text"], CLIP_BRIEF), "url": p["url"] or "",
                    "engagement": fmt.number(p["engagement"]),
                    "sentiment": t["label_" + p["sentiment_label"]] if p["sentiment_label"] else "–",
                    "sentiment_key": p["sentiment_label"] or ""} for p in data.shared.iter_rows(named=True)],
        "places": [{"name": r["name"], "posts": fmt.number(r["posts"]), "usual": fmt.number(r["usual"], 1),
                    "factor": _factor(fmt, c, r["factor"])} for r in data.places[:PLACES_SHOWN]],
        "themes": [{"name": r["name"], "posts": fmt.number(r["posts"]), "usual": fmt.number(r["usual"], 1),
                    "factor": _factor(fmt, c, r["factor"])} for r in data.themes[:PLACES_SHOWN]],
        "own_summary": c["s_own"].format(posts=fmt.number(own["posts"]), announcements=fmt.number(own["announcements"]),
                                         answers=fmt.number(own["answers"]), reactions=fmt.number(own["reactions"]),
                                         negative=fmt.percent(own["negative_share"])),
        "own": [{"date": moment(p["created_at"]), "platform": platform(p["platform"]),
                 "text": clip(p["text"], CLIP_SCREEN), "text_print": clip(p["text"], CLIP_BRIEF), "url": p["url"] or "",
                 "reactions": fmt.number(p["reactions"]), "negative": fmt.number(p["reactions_negative"]),
                 "positive": fmt.number(p["reactions_positive"])} for p in data.own.iter_rows(named=True)],
        "open_cases": [{"date": moment(r["started_at"]), "platform": platform(r["platform"]), "author": r["author"],
                        "text": clip(r["text"], CLIP_SCREEN), "text_print": clip(r["text"], CLIP_BRIEF)}
                       for r in data.open_cases.iter_rows(named=True)],
        "open_more": c["open_more"].format(questions=fmt.number(max(data.open_questions - OPEN_SHOWN, 0)),
                                           others=fmt.number(data.open_total - data.open_questions))
        if data.open_total > len(data.open_cases) else "",
        "own_more": (say(c, "own_more", own["announcements"] - len(data.own),
                         n=fmt.number(own["announcements"] - len(data.own)))
                     if own["announcements"] > len(data.own) else ""),
    }


def hourly_figure(hourly: pl.DataFrame, t: dict[str, Any], lang: str) -> go.Figure:
    """Residents' posts per local hour stacked per platform (above) and the negative share per hour (below);
    hour labels as 'do 8/10 06u', every 1 to 24 hours so about a dozen fit."""
    c = t["crisis"]
    weekdays = charts.WEEKDAYS[lang]
    hours = hourly["hour"].unique(maintain_order=True).to_list()
    step = 1 if len(hours) <= 12 else 3 if len(hours) <= 24 else 6 if len(hours) <= 72 else 12 if len(hours) <= 144 else 24
    ticks = [h for h in hours if h.hour % step == 0]
    text = [f"{weekdays[h.weekday()]} {h.day}/{h.month} {h:%H}u" if lang == "nl" else
            f"{weekdays[h.weekday()]} {h.day}/{h.month} {h:%H}h" for h in ticks]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35], vertical_spacing=0.08)
    for i, (name, group) in enumerate(hourly.group_by("platform", maintain_order=True)):
        shown = platform_label(t, name[0])
        # Hovering a bar tells the platform's sentiment in that hour.
        fig.add_bar(x=group["hour"].to_list(), y=group["posts"].to_list(), name=shown,
                    customdata=group.select("negative", "positive").rows(),
                    hovertemplate=c["hover"].replace("{platform}", escape(shown)) + "<extra></extra>",
                    marker_color=PLATFORM_COLOURS[i % len(PLATFORM_COLOURS)], row=1, col=1)
    share = hourly.group_by("hour", maintain_order=True).agg(pl.col("negative_share").first())
    fig.add_scatter(x=share["hour"].to_list(), y=[None if v is None else 100 * v for v in share["negative_share"]],
                    name=c["negative_share"], mode="lines+markers", line={"color": charts.RED, "width": 2},
                    marker={"size": 4}, connectgaps=False, row=2, col=1)
    fig.update_layout(barmode="stack", bargap=0.1)
    fig.update_xaxes(tickvals=ticks, ticktext=text, row=2, col=1)
    fig.update_xaxes(tickvals=ticks, showticklabels=False, row=1, col=1)
    fig.update_yaxes(title_text=c["posts_axis"], row=1, col=1)
    fig.update_yaxes(title_text=c["negative_axis"], range=[0, 100], ticksuffix="%", row=2, col=1)
    fig.update_xaxes(title_text=c["hour_axis"], row=2, col=1)
    charts._layout(fig, {**t, "_lang": lang}, height=320)
    fig.update_layout(legend={"y": -0.38}, margin={"b": 70})
    return fig


def file_stem(config: Config, start: datetime, end: datetime, lang: str) -> str:
    """luisterpost-<municipality>-crisis-<from>-tot-<to>-<lang>, moments in local time as 2026-10-08T0600."""
    zone = config.municipality.tz
    first, last = (f"{m.astimezone(zone):%Y-%m-%dT%H%M}" for m in (start, end))
    return f"luisterpost-{slugify(config.municipality.slug, 'x')}-crisis-{first}-tot-{last}-{lang}"


Rendered = RenderedReport  # the paths written, as for the other reports


def render_crisis(con: duckdb.DuckDBPyConnection, config: Config, start: datetime, end: datetime, out_dir: Path, *,
                  formats: tuple[str, ...] = ("html", "pdf"), lang: str = "nl",
                  generated_at: datetime | None = None) -> Rendered:
    """Write the crisis brief on [start, end) (aware datetimes; see filters.crisis_window for the checks)
    into `out_dir` as HTML and/or PDF; return the paths."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("the crisis window needs times with a time zone")
    if end <= start or end - start > crisis.MAX_WINDOW:
        raise UserError("the crisis window must end after it starts and last at most 14 days")
    with chart_browser() if "pdf" in formats else nullcontext():
        data = gather_crisis(con, config, start, end)
        values = crisis_values(data, config, lang, generated_at or datetime.now(config.municipality.tz), labels())
        figs = {"hourly": hourly_figure(data.hourly, values["t"], lang)} if data.posts else {}
        report_folder(out_dir)
        stem = file_stem(config, start, end, lang)
        html_path = pdf_path = None
        # As for the other reports: the PDF's chart is drawn by the browser while the HTML page is written.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts") as drawing:
            drawn = drawing.submit(print_charts, figs) if "pdf" in formats else None
            if "html" in formats:
                html_path = out_dir / f"{stem}.html"
                html_path.write_text(render_html(values, figs, "crisis"), encoding="utf-8")
            if drawn is not None:
                pdf_path = out_dir / f"{stem}.pdf"
                render_pdf(values, figs, "crisis", pdf_path, drawn=drawn.result())
    for written in (html_path, pdf_path):
        if written is not None:
            set_mode(written, REPORT)
    return Rendered(html_path, pdf_path)
