"""What the report templates show, as plain formatted values: tiles with their change and one sentence each,
tables as rows of strings, and the figures (Plotly objects; the renderer turns them into HTML or SVG).
Post texts and names stay plain strings here: the templates escape everything."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import plotly.graph_objects as go
import polars as pl
from babel.dates import format_date

from ..config import Config
from ..metrics.period import Period
from ..metrics.result import MetricsResult
from ..metrics.spikes import after
from ..metrics.volume import per_day_change
from ..refs import post_ref
from . import charts
from .data import ReportData
from .formatting import Formatter
from .texts import CLIP_EVIDENCE, CLIP_PRINT, CLIP_SCREEN, clip, platform_label, say

THIN = 30  # fewer mentions than this: the report says shares and trends say little
SPIKES_IN_PRINT = 3


def _short_day(fmt: Formatter, value: object) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return fmt.short_day(value.date() if isinstance(value, datetime) else value)


def _short_moment(fmt: Formatter, value: datetime) -> str:
    """'30 okt 17:33'."""
    return f"{fmt.short_day(value.date())} {value:%H:%M}"


def _period_name(fmt: Formatter, period: Period) -> str:
    if period.is_month:
        return fmt.month(period.first_day)
    return f"{fmt.day(period.first_day)} – {fmt.day(period.last_day)}"


def through_day(period: Period, generated_at: datetime) -> date | None:
    """For a period not yet over when the report is made: the last whole local day in it (the day before the
    report; the day before the period when it has not begun), else None."""
    today = generated_at.astimezone(period.tz).date()
    if today > period.last_day:
        return None
    return today - timedelta(days=1)


def _trend_class(change: float | None, higher_is_better: bool | None) -> str:
    if change is None or higher_is_better is None or abs(change) < 1e-9:
        return "same"
    return "better" if (change > 0) == higher_is_better else "worse"


def _judged(t: dict[str, str], change: float | None, higher_is_better: bool, previous: str) -> str:
    kind = _trend_class(change, higher_is_better)
    return {"better": t["s_better"], "worse": t["s_worse"], "same": t["s_same"]}[kind].format(previous=previous)


UNANSWERED_LIMIT = 0.25  # above this share of unanswered cases a response time is never shown as good


def tiles(data: ReportData, config: Config, t: dict[str, Any], fmt: Formatter,
          through: date | None = None) -> list[dict[str, str]]:
    """The summary's KPI tiles: label, value, an optional detail line, the change against the previous
    period (with better/worse/same) and against the same period a year earlier where that has data, and one
    plain-language sentence. `through` (see `through_day`) marks a running period: counts are compared per
    day, response figures not at all (its last cases may still be answered)."""
    m = data.metrics
    period = data.period
    before, year = m["change"]["previous_period"], m["change"]["year_earlier"]
    previous = _period_name(fmt, period.previous()) if period.is_month else t["previous_period"]
    year_name = _period_name(fmt, period.year_earlier()) if period.is_month else fmt.day(period.year_earlier().first_day)
    norm = fmt.hours(config.webcare.norm_hours)
    window = fmt.number(config.webcare.conversation_window_hours)
    running = through is not None
    days_now = (through - period.first_day).days + 1 if running else period.days
    has_year = bool(year["mentions"])  # no posts a year earlier: nothing to compare with

    def tile(label: str, value: str, change: str, kind: str, sentence: str, *, detail: str = "",
             change_year: str = "–", warn: bool = False, comparable: bool = True) -> dict[str, Any]:
        if not comparable:
            change_text = t["running_no_change"]
        elif change == "–":
            change_text = t["no_comparison"]
        else:
            change_text = f"{change} {t['vs_previous'].format(previous=previous)}"
        return {"label": label, "value": value, "detail": detail, "change": change_text,
                "class": kind if comparable else "same", "sentence": sentence, "warn": warn,
                "change_year": (f"{change_year} {t['vs_year'].format(year=year_name)}"
                                if has_year and comparable and change_year != "–" else "")}

    # Mentions: a running period per day, so a half month is not "−50%".
    if running:
        mentions_change = per_day_change(m["mentions"], days_now, before["mentions"], period.previous().days)
        mentions_year = per_day_change(m["mentions"], days_now, year["mentions"], period.year_earlier().days)
    else:
        mentions_change, mentions_year = before["mentions_change"], year["mentions_change"]
    per_day = f" {t['per_day']}" if running else ""
    if mentions_change is None:
        change_text = t["no_comparison"]
    elif abs(mentions_change) < 0.005:
        change_text = t["s_mentions_same"].format(previous=previous)
    else:
        key = "s_mentions_more" if mentions_change > 0 else "s_mentions_less"
        change_text = t[key].format(pct=fmt.percent(abs(mentions_change)), previous=previous)
    if running and mentions_change is not None:
        change_text = t["per_day"] + " " + change_text
    net = m["net_sentiment"]
    net_sentence = (t["s_net_even"] if net is None or abs(net) < 0.1 else
                    t["s_net_positive"] if net > 0 else t["s_net_negative"])
    if before["net_sentiment_change"] is not None:
        judged = _judged(t, before["net_sentiment_change"], True, previous)
        net_sentence += " " + judged[:1].upper() + judged[1:] + "."
    result = [
        tile(t["mentions"], fmt.number(m["mentions"]),
             fmt.relative(mentions_change) + per_day if mentions_change is not None else "–", "same",
             say(t, "s_mentions", m["mentions"], value=fmt.number(m["mentions"]), change=change_text),
             change_year=fmt.relative(mentions_year) + per_day if mentions_year is not None else "–"),
        tile(t["net_sentiment"], fmt.signed(net), fmt.signed(before["net_sentiment_change"]),
             _trend_class(before["net_sentiment_change"], True), net_sentence,
             detail=t["reputation_detail"].format(value=fmt.signed(m["reputation_index"], 0))
             if m["reputation_index"] is not None else "",
             change_year=fmt.signed(year["net_sentiment_change"])),
        *_response_tiles(m, t, fmt, config, window, norm, before, year, tile, comparable=not running),
    ]
    return result


def _response_tiles(m: MetricsResult, t: dict[str, Any], fmt: Formatter, config: Config, window: str, norm: str,
                    before: dict[str, Any], year: dict[str, Any], tile: Any, comparable: bool) -> list[dict[str, Any]]:
    """The webcare tiles: response rate, median first response (office and calendar time, never good while
    many cases go unanswered), within the norm, and zenden vs luisteren; figures that cannot be measured
    (no thread information) say so instead of showing 0%."""
    response, broadcast = m["response"], m["broadcasting"]
    if response["reason"]:
        # The whole reason stands once below the tiles (`response_not_measured`).
        measured = [tile(t[key], "–", "–", "same", t["s_not_measured_short"], comparable=comparable)
                    for key in ("response_rate", "median_business", "within_norm")]
    else:
        cases = response["cases"]
        unanswered_share = response["unanswered_share"]
        median = response["first_response_business_minutes"]["median"]
        many_unanswered = unanswered_share is not None and unanswered_share > UNANSWERED_LIMIT
        if median is None:
            median_sentence = t["s_no_cases"] if not cases else t["no_answered"]
        else:
            parts = [say(t, "s_median_answered", response["answered"], answered=fmt.number(response["answered"]))]
            if unanswered_share:
                parts.append(t["s_median_unanswered"].format(share=fmt.percent(unanswered_share)))
            if not many_unanswered:
                parts.append(t["s_median_within" if median <= config.webcare.norm_hours * 60 else "s_median_beyond"]
                             .format(norm=norm))
            median_sentence = " ".join(parts)
        median_class = _trend_class(before["median_business_minutes_change"], False)
        if many_unanswered and median_class == "better":
            median_class = "same"  # a faster answer to fewer residents is no improvement to show in green
        skipped = (" " + t["s_not_measured_some"].format(platforms=_platform_list(t, response["not_measured"]))
                   if response["not_measured"] else "")
        calendar = response["first_response_minutes"]["median"]
        asking = response["needs_reply"]
        measured = [
            tile(t["response_rate"], fmt.percent(response["rate"]), fmt.points(before["response_rate_change"]),
                 _trend_class(before["response_rate_change"], True),
                 (say(t, "s_response", cases, answered=fmt.number(response["answered"]), cases=fmt.number(cases),
                      window=window) if cases else t["s_no_cases"]) + skipped,
                 # The cases that most need an answer, beside all of them.
                 detail=t["needs_reply_rate"].format(
                     rate=fmt.percent(asking["rate"]), answered=fmt.number(asking["answered"]),
                     cases=fmt.number(asking["cases"])) if asking["cases"] else "",
                 change_year=fmt.points(year["response_rate_change"]), comparable=comparable),
            tile(t["median_business"], fmt.minutes(median), _minutes_change(fmt, before["median_business_minutes_change"]),
                 median_class, median_sentence,
                 detail=t["calendar_time"].format(value=fmt.minutes(calendar)) if calendar is not None else "",
                 change_year=_minutes_change(fmt, year["median_business_minutes_change"]), warn=many_unanswered,
                 comparable=comparable),
            tile(t["within_norm"], fmt.percent(response["within_norm_share"]), fmt.points(before["within_norm_share_change"]),
                 _trend_class(before["within_norm_share_change"], True),
                 t["s_within_norm"].format(value=fmt.percent(response["within_norm_share"]), norm=norm)
                 if cases else t["s_no_cases"], change_year=fmt.points(year["within_norm_share_change"]),
                 comparable=comparable),
        ]
    if broadcast["reason"]:
        zenden = tile(t["zenden"], "–", "–", "same",
                      t["s_not_measured"].format(platforms=_platform_list(t, broadcast["not_measured"])))
    else:
        zenden = tile(t["zenden"], f"{fmt.percent(broadcast['broadcast_share'])} / {fmt.percent(broadcast['reply_share'])}",
                      "–", "same",
                      say(t, "s_zenden", broadcast["measured"], replies=fmt.number(broadcast["replies"]),
                          own=fmt.number(broadcast["measured"]), broadcasts=fmt.number(broadcast["broadcasts"]))
                      if broadcast["measured"] else t["s_no_own"])
    return [*measured, zenden]


def _tags_note(t: dict[str, Any], fmt: Formatter, tags: dict[str, int], key: str) -> str:
    """Under a theme or woonkern table: how many mentions it leaves out and how many it counts more than once,
    so the rows are not read as adding up to all mentions."""
    if not tags["mentions"]:
        return ""
    return t[key].format(without=fmt.number(tags["without"]), mentions=fmt.number(tags["mentions"]),
                         several=fmt.number(tags["several"]))


def _platform_list(t: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    return ", ".join(platform_label(t, r["platform"]) for r in rows)


def _minutes_change(fmt: Formatter, value: float | None) -> str:
    if value is None:
        return "–"
    return ("−" if value < 0 else "+") + fmt.minutes(abs(value))


def _post_rows(frame: pl.DataFrame, data: ReportData, t: dict[str, Any], fmt: Formatter) -> list[dict[str, str]]:
    """Posts as table rows, each post once: a repeat of one already shown (the same platform and id, or the
    same text, e.g. one message posted on two platforms) is left out. Texts are clipped: `text` for the
    screen, `text_print` shorter for the PDF (a page cannot hold a very long post)."""
    rows, seen = [], set()
    for post in frame.iter_rows(named=True):
        text = post["text"] or ""
        keys = {(str(post["platform"]), str(post["id"])), " ".join(text.lower().split()) or None}
        if keys & seen:
            continue
        seen |= keys - {None}
        evidence, corrected = data.evidence.get((str(post["platform"]), str(post["id"])), (None, False))
        rows.append({
            # The short reference an analyst finds in the export and gives `luisterpost correct`.
            "ref": post_ref(str(post["platform"]), str(post["id"])),
            "date": _short_day(fmt, post["created_at"]), "platform": platform_label(t, post["platform"]),
            "author": post["author"], "text": clip(text, CLIP_SCREEN), "text_print": clip(text, CLIP_PRINT),
            "url": post.get("url") or "", "engagement": fmt.number(post["engagement"]),
            "sentiment": t["label_" + post["sentiment_label"]] if post["sentiment_label"] else "–",
            "sentiment_key": post["sentiment_label"] or "",
            # The words that decided the sentiment: a very long post has very many of them.
            "why": t["corrected"] if corrected else clip(evidence, CLIP_EVIDENCE),
        })
    return rows


def _breakdown_rows(rows: list[dict[str, Any]], key: str, fmt: Formatter,
                    name: Callable[[object], str] = str) -> list[dict[str, str]]:
    """Rows of a breakdown table (a row whose webcare cannot be measured has no cases: "–", not 0)."""
    return [{
        "name": name(r[key]), "mentions": fmt.number(r["mentions"]), "mentions_raw": r["mentions"],
        "net": fmt.signed(r["net_sentiment"]), "net_raw": r["net_sentiment"],
        "negative": fmt.percent(r["negative_share"]), "negative_raw": r["negative_share"],
        "cases": fmt.number(r["cases"]),
        "rate": fmt.percent(r["response_rate"]), "rate_raw": r["response_rate"],
        "median": fmt.minutes(r["median_business_minutes"]), "median_raw": r["median_business_minutes"],
    } for r in rows]


def _authors(m: MetricsResult, t: dict[str, Any], fmt: Formatter) -> list[dict[str, str]]:
    """Who wrote, by group (own accounts, media and public accounts, residents): residents are counted
    together, never ranked per person (AVG)."""
    return [{"group": t["group_" + g["group"]], "authors": fmt.number(g["authors"]), "mentions": fmt.number(g["mentions"]),
             "negative": fmt.number(g["negative"])} for g in _rows(m["author_groups"])]


def _own_accounts(m: MetricsResult, t: dict[str, Any], fmt: Formatter) -> list[dict[str, str]]:
    """The own accounts among the most active authors, with their posts and followers."""
    return [{"author": a["author"], "platform": platform_label(t, a["platform"]), "mentions": fmt.number(a["mentions"]),
             "followers": fmt.number(a["followers"])} for a in _rows(m["top_authors"]) if a["is_own"]]


def _response_platforms(m: MetricsResult, t: dict[str, Any], fmt: Formatter) -> list[dict[str, Any]]:
    """Webcare per platform; a platform whose response cannot be measured is listed with "not measured"."""
    rows = [{
        "name": platform_label(t, r["platform"]), "cases": fmt.number(r["cases"]), "answered": fmt.number(r["answered"]),
        "rate": fmt.percent(r["rate"]), "median": fmt.minutes(r["median_business_minutes"]),
        "median_raw": r["median_business_minutes"], "calendar": fmt.minutes(r["median_minutes"]),
        "within": fmt.percent(r["within_norm_share"]), "measured": True,
    } for r in _rows(m["response_by_platform"])]
    return rows + [{"name": platform_label(t, r["platform"]), "measured": False} for r in m["response"]["not_measured"]]


def _band_names(bands: pl.DataFrame, t: dict[str, str], fmt: Formatter) -> list[str]:
    names = []
    for lower, upper in zip(bands["lower"], bands["upper"]):
        if upper is None:
            names.append(t["band_over"].format(lower=fmt.hours(lower / 60)))
        elif lower == 0:
            names.append(t["band_to"].format(upper=fmt.hours(upper / 60)))
        else:
            names.append(t["band_between"].format(lower=fmt.hours(lower / 60), upper=fmt.hours(upper / 60)))
    return names


def _day_span(fmt: Formatter, first: date, last: date) -> str:
    """'8 oktober', '8–9 oktober', '30 september – 2 oktober' (with years only when they differ)."""
    if first.year != last.year:
        return f"{fmt.day(first)} – {fmt.day(last)}"

    def day(value: date) -> str:
        return format_date(value, format="d MMMM", locale=fmt.locale)

    if first == last:
        return day(first)
    return f"{first.day}–{day(last)}" if first.month == last.month else f"{day(first)} – {day(last)}"


def _hour_span(fmt: Formatter, start: datetime, until: datetime) -> str:
    """'8 oktober 18:00–19:00' for hours within a day (an end at midnight is 24:00), else
    '8 oktober 22:00 – 9 oktober 02:00'."""
    ends_at_midnight = until.time() == time(0) and until.date() == start.date() + timedelta(days=1)
    if until.date() == start.date() or ends_at_midnight:
        end = "24:00" if ends_at_midnight else f"{until:%H:%M}"
        return f"{_day_span(fmt, start.date(), start.date())} {start:%H:%M}–{end}"
    return (f"{_day_span(fmt, start.date(), start.date())} {start:%H:%M} – "
            f"{_day_span(fmt, until.date(), until.date())} {until:%H:%M}")


def _spike_days(spike: dict[str, Any]) -> tuple[date, date]:
    """The first and last local day a spike touches."""
    return spike["start"].date(), (spike["until"] - timedelta(microseconds=1)).date()


def _spike_peak(spike: dict[str, Any], t: dict[str, str], fmt: Formatter) -> str:
    """'Hoogste dag: 424 berichten van inwoners (normaal 54), waarvan 90 negatief (normaal 12). Drukste uur:
    8 oktober 20:00–21:00, 36 berichten. Ernst 8 van 10.'"""
    def unit(told: dict[str, Any]) -> str:
        return t["spike_hour" if told["granularity"] == "hour" else "spike_day"]

    volume, negativity = spike["volume"], spike["negativity"]
    if volume and negativity and volume["granularity"] == negativity["granularity"]:
        parts = [t["spike_both_peak"].format(
            unit=unit(volume), peak=fmt.number(volume["peak_count"]), baseline=fmt.number(volume["baseline"], 0),
            negative=fmt.number(negativity["peak_count"]), negative_baseline=fmt.number(negativity["baseline"], 0))]
    else:
        parts = [t[f"spike_{kind}_peak"].format(unit=unit(spike[kind]), peak=fmt.number(spike[kind]["peak_count"]),
                                                baseline=fmt.number(spike[kind]["baseline"], 0))
                 for kind in spike["kinds"]]
    if spike["granularity"] == "day" and spike["busiest_hour"] is not None:
        hour = spike["busiest_hour"]
        parts.append(t["spike_busiest"].format(hour=_hour_span(fmt, hour, after(hour, "hour")),
                                               posts=fmt.number(spike["busiest_hour_posts"])))
    parts.append(t["spike_severity"].format(severity=spike["severity"]))
    return " ".join(parts)


def _spikes(data: ReportData, t: dict[str, str], fmt: Formatter) -> list[dict[str, Any]]:
    """The spike events as shown, in the order detection ranked them (most severe first): each one event,
    its volume and negativity episodes told together."""
    found = []
    for spike, mood in zip(data.metrics["spikes"], data.spike_moods):
        first, last = _spike_days(spike)
        kinds = spike["kinds"]
        found.append({
            "title": t["spike_both" if len(kinds) == 2 else f"spike_{kinds[0]}"],
            "when": (_day_span(fmt, first, last) if spike["granularity"] == "day"
                     else _hour_span(fmt, spike["start"], spike["until"])),
            "factors": ", ".join(t[f"spike_{kind}_factor"].format(
                factor=fmt.number(spike[kind]["factor"], 1 if spike[kind]["factor"] < 10 else 0))
                                 for kind in kinds),
            "peak": _spike_peak(spike, t, fmt),
            "severity": spike["severity"],
            "terms": ", ".join(spike["top_terms"]),
            "mood": t["spike_mood_text"].format(**{k: fmt.number(v) for k, v in mood.items()}),
            "posts": _post_rows(spike["top_posts"].with_columns(url=pl.lit("")), data, t, fmt),
            "days": (first, last),
            "granularity": spike["granularity"],
        })
    return found


def context(data: ReportData, config: Config, lang: str, generated_at: datetime, *, kind: str = "monthly",
            labels: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The values the templates show for a monthly (or ad hoc) report or an alderman report (`kind`)."""
    fmt = Formatter(lang)
    t = dict(labels[lang])
    m = data.metrics
    period = data.period
    title = (t["title_alderman"] if kind == "alderman" else t["title"] if period.is_month else t["title_period"])
    # An alderman report's portfolio is its title already: not repeated as a filter.
    filters = ", ".join(f"{value}" for key, value in data.filters.as_dict().items()
                        if not (kind == "alderman" and key == "theme"))
    spikes = _spikes(data, t, fmt)
    in_print = min(SPIKES_IN_PRINT, len(spikes))
    unanswered_total = m["response"]["unanswered"]
    quality_models = [q["source"] for q in data.quality if q["source"] != "regels"]
    corrected = sum(q["corrected"] for q in data.quality)
    agreed = sum(q["agreed"] for q in data.quality)
    through = through_day(period, generated_at)
    period_name = _period_name(fmt, period)
    if through is not None:
        period_name += " (" + t["running" if period.is_month else "running_period"].format(
            day=fmt.day_month(through)) + ")"
    platform = lambda p: platform_label(t, p)  # noqa: E731
    return {
        "lang": lang, "t": t, "kind": kind, "title": title,
        "municipality": config.municipality.name,
        "period_name": period_name,
        "running": through is not None,
        "portfolio": data.filters.theme or "",
        "filters": filters,
        "generated": fmt.moment(generated_at.astimezone(config.municipality.tz)),
        "has_data": m["mentions"] > 0,
        "thin": 0 < m["mentions"] < THIN,
        "thin_text": say(t, "thin_data", m["mentions"], count=fmt.number(m["mentions"])),
        "has_cases": bool(m["response"]["cases"]),
        "response_not_measured": t["s_not_measured"].format(platforms=_platform_list(t, m["response"]["not_measured"]))
        if m["response"]["reason"] else "",
        "tiles": tiles(data, config, t, fmt, through),
        "has_trend": bool(data.trend["mentions"].sum()),
        "platforms": _breakdown_rows(_rows(m["by_platform"]), "platform", fmt, platform),
        "themes": _breakdown_rows(_rows(m["by_theme"]), "theme", fmt),
        "woonkernen": _breakdown_rows(_rows(m["by_woonkern"]), "woonkern", fmt),
        "themes_note": _tags_note(t, fmt, m["theme_tags"], "tags_themes"),
        "woonkernen_note": _tags_note(t, fmt, m["woonkern_tags"], "tags_woonkernen"),
        "reach": [
            {"label": t[key], "value": fmt.number(m["reach"][figure]),
             "note": t[key + "_note"] if m["reach"][figure] is not None else t["reach_unknown"]}
            for key, figure in (("potential_reach", "potential_reach"), ("unique_reach", "unique_author_reach"),
                                ("engagement", "engagement"), ("impressions", "earned_impressions"))
        ],
        # Without any interaction counts there is nothing to rank by: a sentence says so, not six posts at 0.
        "top_posts": _post_rows(m["top_posts_by_engagement"], data, t, fmt)[:6] if m["reach"]["engagement"] is not None else [],
        "top_posts_empty": t["no_data"] if m["reach"]["engagement"] is not None else t["top_posts_unknown"],
        "author_groups": _authors(m, t, fmt),
        "authors_note": t["top_authors_note"].format(public=fmt.number(config.privacy.public_followers)),
        "own_accounts": _own_accounts(m, t, fmt),
        "response_platforms": _response_platforms(m, t, fmt),
        "response_bands_note": t["response_bands_note"].format(norm=fmt.hours(config.webcare.norm_hours)),
        "unanswered": [{"date": _short_moment(fmt, r["started_at"].astimezone(config.municipality.tz)),
                        "platform": platform(r["platform"]), "resident": r["resident"],
                        "text": clip(r["text"], CLIP_SCREEN), "text_print": clip(r["text"], CLIP_PRINT), "url": r["url"] or "",
                        "question": bool(r["needs_reply"])} for r in data.unanswered.iter_rows(named=True)],
        "unanswered_note": say(t, "unanswered_note", unanswered_total, questions=fmt.number(data.unanswered_questions),
                               total=fmt.number(unanswered_total)),
        "spikes": spikes,
        # The most severe event on the summary page too: a manager reading one page sees the crisis.
        "summary_event": t["summary_event"].format(when=spikes[0]["when"], factors=spikes[0]["factors"],
                                                   severity=spikes[0]["severity"], section=t["spikes"])
        if spikes else "",
        "spikes_in_print": in_print,
        "spikes_more": say(t, "spikes_more", len(spikes) - in_print, count=fmt.number(len(spikes) - in_print)),
        "issues": [{"term": i["term"], "posts": fmt.number(i["posts"])} for i in data.issues],
        "notable": _post_rows(data.notable_negative, data, t, fmt),
        "peers": [{"municipality": p["municipality"], "population": fmt.number(p.get("population")),
                   "mentions_per_10k": fmt.number(p.get("mentions_per_10k"), 1),
                   "net": fmt.signed(p.get("net_sentiment")), "rate": fmt.percent(p.get("response_rate")),
                   "median": fmt.minutes(p.get("median_business_minutes")), "error": p.get("error") or ""}
                  for p in m["peers"]],
        "coverage": [{"source": c["source"], "platforms": _platform_names(t, c["platforms"]), "mentions": fmt.number(c["mentions"]),
                      "runs": fmt.number(c["runs"]), "failed": fmt.number(c["failed"]),
                      "failed_raw": c["failed"], "quiet_days": fmt.number(c["quiet_days"]),
                      "last_ok": fmt.moment(c["last_ok"].astimezone(config.municipality.tz)) if c["last_ok"] else "–"}
                     for c in data.coverage],
        "quality": [
            t["quality_rules"],
            *([t["quality_model"].format(models=", ".join(quality_models))] if quality_models else []),
            say(t, "quality_corrections", corrected, corrected=fmt.number(corrected), agreed=fmt.number(agreed),
                share=fmt.percent(agreed / corrected)) if corrected
            else t["quality_no_corrections"],
        ],
        "privacy": t["privacy"].format(months=config.privacy.retention_months),
    }


def _platform_names(t: dict[str, Any], platforms: object) -> str:
    """The stored platform names of a coverage row ("facebook, news") as display names."""
    if not platforms:
        return ""
    names = platforms if isinstance(platforms, list | tuple) else str(platforms).split(",")
    return ", ".join(platform_label(t, p.strip()) for p in names)


def _rows(value: object) -> list[dict[str, Any]]:
    if isinstance(value, pl.DataFrame):
        return value.to_dicts()
    return list(value or [])


def figures(data: ReportData, values: dict[str, Any], lang: str, labels: dict[str, dict[str, str]]) -> dict[str, go.Figure]:
    """The report's figures by name; a figure whose data is empty is left out (the template says why)."""
    fmt = Formatter(lang)
    chart_labels = {**labels[lang], "_lang": lang}
    m = data.metrics
    found: dict[str, go.Figure] = {}
    month = fmt.short_month
    if values["has_trend"]:
        found["trend"] = charts.sentiment_trend(data.trend, chart_labels, month)
        found["volume_trend"] = charts.monthly_volume(data.trend, chart_labels, month)
        if data.filters.theme:
            found["theme_trend"] = charts.theme_trend(data.trend, chart_labels, month)
    if values["has_data"]:
        spans = [s["days"] for s in values["spikes"]]
        found["timeline"] = charts.daily_volume(data.daily, chart_labels, fmt.short_day, spans)
        themes = [r for r in values["themes"] if r["net_raw"] is not None]
        if themes:
            found["themes"] = charts.ranked_bars([r["name"] for r in themes], [r["net_raw"] for r in themes],
                                                 chart_labels, chart_labels["net_by_axis"], diverging=True)
        places = values["woonkernen"]
        if places:
            found["woonkernen"] = charts.ranked_bars([r["name"] for r in places], [r["mentions_raw"] for r in places],
                                                     chart_labels, chart_labels["mentions_axis"])
    if values["has_cases"]:
        if data.response_bands["cases"].sum():  # no answered case: the template says so instead of an empty axis
            found["response_bands"] = charts.response_bands(
                data.response_bands, _band_names(data.response_bands, labels[lang], fmt), chart_labels)
        hours = _rows(m["response_by_weekday_hour"])
        found["arrivals"] = charts.weekday_hour(hours, "cases", chart_labels, chart_labels["cases_heat_axis"])
        answered = [h for h in hours if h["median_business_minutes"] is not None]
        if answered:
            found["response_heat"] = charts.weekday_hour(answered, "median_business_minutes", chart_labels,
                                                         chart_labels["minutes_heat_axis"], colours="Reds")
    return found
