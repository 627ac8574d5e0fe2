"""What the report templates show, as plain formatted values: tiles with their change and one sentence each,
tables as rows of strings, and the figures (Plotly objects; the renderer turns them into HTML or SVG).
Post texts and names stay plain strings here: the templates escape everything."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import plotly.graph_objects as go
import polars as pl
from babel.dates import format_date

from ..config import Config
from ..metrics.period import Period
from ..metrics.spikes import after
from ..refs import post_ref
from . import charts
from .data import ReportData
from .formatting import Formatter

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


def _trend_class(change: float | None, higher_is_better: bool | None) -> str:
    if change is None or higher_is_better is None or abs(change) < 1e-9:
        return "same"
    return "better" if (change > 0) == higher_is_better else "worse"


def _judged(t: dict[str, str], change: float | None, higher_is_better: bool, previous: str) -> str:
    kind = _trend_class(change, higher_is_better)
    return {"better": t["s_better"], "worse": t["s_worse"], "same": t["s_same"]}[kind].format(previous=previous)


def tiles(data: ReportData, config: Config, t: dict[str, str], fmt: Formatter) -> list[dict[str, str]]:
    """The summary's KPI tiles: label, value, change against the previous period (with better/worse/same)
    and one plain-language sentence."""
    m = data.metrics
    response = m["response"]
    before = m["change"]["previous_period"]
    previous = _period_name(fmt, data.period.previous()) if data.period.is_month else t["previous_period"]
    norm = fmt.hours(config.webcare.norm_hours)
    window = fmt.number(config.webcare.conversation_window_hours)
    vs = t["vs_previous"].format(previous=previous)

    def tile(label: str, value: str, change: str, kind: str, sentence: str) -> dict[str, str]:
        return {"label": label, "value": value, "change": f"{change} {vs}" if change != "–" else t["no_comparison"],
                "class": kind, "sentence": sentence}

    mentions_change = before["mentions_change"]
    if mentions_change is None:
        change_text = t["no_comparison"]
    elif abs(mentions_change) < 0.005:
        change_text = t["s_mentions_same"].format(previous=previous)
    else:
        key = "s_mentions_more" if mentions_change > 0 else "s_mentions_less"
        change_text = t[key].format(pct=fmt.percent(abs(mentions_change)), previous=previous)
    net = m["net_sentiment"]
    net_sentence = (t["s_net_even"] if net is None or abs(net) < 0.1 else
                    t["s_net_positive"] if net > 0 else t["s_net_negative"])
    if before["net_sentiment_change"] is not None:
        judged = _judged(t, before["net_sentiment_change"], True, previous)
        net_sentence += " " + judged[:1].upper() + judged[1:] + "."
    median = response["first_response_business_minutes"]["median"]
    median_sentence = ("" if median is None else
                       t["s_median_within" if median <= config.webcare.norm_hours * 60 else "s_median_beyond"]
                       .format(norm=norm))
    broadcast = m["broadcasting"]
    return [
        tile(t["mentions"], fmt.number(m["mentions"]), fmt.relative(mentions_change), "same",
             t["s_mentions"].format(value=fmt.number(m["mentions"]), change=change_text)),
        tile(t["net_sentiment"], fmt.signed(net), fmt.signed(before["net_sentiment_change"]),
             _trend_class(before["net_sentiment_change"], True), net_sentence),
        tile(t["response_rate"], fmt.percent(response["rate"]), fmt.points(before["response_rate_change"]),
             _trend_class(before["response_rate_change"], True),
             t["s_response"].format(answered=fmt.number(response["answered"]), cases=fmt.number(response["cases"]),
                                    window=window) if response["cases"] else t["s_no_cases"]),
        tile(t["median_business"], fmt.minutes(median), _minutes_change(fmt, before["median_business_minutes_change"]),
             _trend_class(before["median_business_minutes_change"], False), median_sentence or t["s_no_cases"]),
        tile(t["within_norm"], fmt.percent(response["within_norm_share"]), fmt.points(before["within_norm_share_change"]),
             _trend_class(before["within_norm_share_change"], True),
             t["s_within_norm"].format(value=fmt.percent(response["within_norm_share"]), norm=norm)
             if response["cases"] else t["s_no_cases"]),
        tile(t["zenden"], f"{fmt.percent(broadcast['broadcast_share'])} / {fmt.percent(broadcast['reply_share'])}",
             "–", "same",
             t["s_zenden"].format(replies=fmt.number(broadcast["replies"]), own=fmt.number(broadcast["own_posts"]),
                                  broadcasts=fmt.number(broadcast["broadcasts"]))
             if broadcast["own_posts"] else t["s_no_own"]),
    ]


def _minutes_change(fmt: Formatter, value: float | None) -> str:
    if value is None:
        return "–"
    return ("−" if value < 0 else "+") + fmt.minutes(abs(value))


def _post_rows(frame: pl.DataFrame, data: ReportData, t: dict[str, str], fmt: Formatter) -> list[dict[str, str]]:
    rows = []
    for post in frame.iter_rows(named=True):
        evidence, corrected = data.evidence.get((str(post["platform"]), str(post["id"])), (None, False))
        rows.append({
            # The short reference an analyst finds in the export and gives `luisterpost correct`.
            "ref": post_ref(str(post["platform"]), str(post["id"])),
            "date": _short_day(fmt, post["created_at"]), "platform": str(post["platform"]), "author": post["author"],
            "text": post["text"] or "", "url": post.get("url") or "", "engagement": fmt.number(post["engagement"]),
            "sentiment": t["label_" + post["sentiment_label"]] if post["sentiment_label"] else "–",
            "sentiment_key": post["sentiment_label"] or "",
            "why": t["corrected"] if corrected else (evidence or ""),
        })
    return rows


def _breakdown_rows(rows: list[dict[str, Any]], key: str, fmt: Formatter) -> list[dict[str, str]]:
    return [{
        "name": str(r[key]), "mentions": fmt.number(r["mentions"]), "mentions_raw": r["mentions"],
        "net": fmt.signed(r["net_sentiment"]), "net_raw": r["net_sentiment"],
        "negative": fmt.percent(r["negative_share"]), "negative_raw": r["negative_share"],
        "cases": fmt.number(r["cases"]), "rate": fmt.percent(r["response_rate"]), "rate_raw": r["response_rate"],
        "median": fmt.minutes(r["median_business_minutes"]), "median_raw": r["median_business_minutes"],
    } for r in rows]


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
            "factors": ", ".join(t[f"spike_{kind}_factor"].format(factor=fmt.number(spike[kind]["factor"]))
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
    filters = ", ".join(f"{value}" for value in data.filters.as_dict().values())
    spikes = _spikes(data, t, fmt)
    in_print = min(SPIKES_IN_PRINT, len(spikes))
    unanswered_total = m["response"]["unanswered"]
    quality_models = [q["source"] for q in data.quality if q["source"] != "regels"]
    corrected = sum(q["corrected"] for q in data.quality)
    agreed = sum(q["agreed"] for q in data.quality)
    return {
        "lang": lang, "t": t, "kind": kind, "title": title,
        "municipality": config.municipality.name,
        "period_name": _period_name(fmt, period),
        "portfolio": data.filters.theme or "",
        "filters": filters,
        "generated": fmt.moment(generated_at.astimezone(config.municipality.tz)),
        "has_data": m["mentions"] > 0,
        "thin": 0 < m["mentions"] < THIN,
        "thin_text": t["thin_data"].format(count=fmt.number(m["mentions"])),
        "has_cases": m["response"]["cases"] > 0,
        "tiles": tiles(data, config, t, fmt),
        "has_trend": bool(data.trend["mentions"].sum()),
        "platforms": _breakdown_rows(_rows(m["by_platform"]), "platform", fmt),
        "themes": _breakdown_rows(_rows(m["by_theme"]), "theme", fmt),
        "woonkernen": _breakdown_rows(_rows(m["by_woonkern"]), "woonkern", fmt),
        "reach": [
            {"label": t["potential_reach"], "value": fmt.number(m["reach"]["potential_reach"])},
            {"label": t["unique_reach"], "value": fmt.number(m["reach"]["unique_author_reach"])},
            {"label": t["engagement"], "value": fmt.number(m["reach"]["engagement"])},
            {"label": t["impressions"], "value": fmt.number(m["reach"]["earned_impressions"])},
        ],
        "top_posts": _post_rows(m["top_posts_by_engagement"].head(6), data, t, fmt),
        "top_authors": [{"platform": str(a["platform"]), "author": a["author"], "mentions": fmt.number(a["mentions"]),
                         "followers": fmt.number(a["followers"]), "own": bool(a["is_own"]),
                         "negative": fmt.number(a["negative"])} for a in _rows(m["top_authors"])[:8]],
        "response_platforms": [{
            "name": str(r["platform"]), "cases": fmt.number(r["cases"]), "answered": fmt.number(r["answered"]),
            "rate": fmt.percent(r["rate"]), "median": fmt.minutes(r["median_business_minutes"]),
            "median_raw": r["median_business_minutes"], "within": fmt.percent(r["within_norm_share"]),
        } for r in _rows(m["response_by_platform"])],
        "response_bands_note": t["response_bands_note"].format(norm=fmt.hours(config.webcare.norm_hours)),
        "unanswered": [{"date": _short_moment(fmt, r["started_at"].astimezone(config.municipality.tz)),
                        "platform": r["platform"],
                        "resident": r["resident"], "text": r["text"], "url": r["url"] or "",
                        "question": bool(r["needs_reply"])} for r in data.unanswered.iter_rows(named=True)],
        "unanswered_note": t["unanswered_note"].format(questions=fmt.number(data.unanswered_questions),
                                                        total=fmt.number(unanswered_total)),
        "spikes": spikes,
        "spikes_in_print": in_print,
        "spikes_more": t["spikes_more"].format(count=fmt.number(len(spikes) - in_print)),
        "issues": [{"term": i["term"], "posts": fmt.number(i["posts"])} for i in data.issues],
        "notable": _post_rows(data.notable_negative, data, t, fmt),
        "peers": [{"municipality": p["municipality"], "population": fmt.number(p.get("population")),
                   "mentions_per_10k": fmt.number(p.get("mentions_per_10k"), 1),
                   "net": fmt.signed(p.get("net_sentiment")), "rate": fmt.percent(p.get("response_rate")),
                   "median": fmt.minutes(p.get("median_business_minutes")), "error": p.get("error") or ""}
                  for p in m["peers"]],
        "coverage": [{"source": c["source"], "platforms": c["platforms"], "mentions": fmt.number(c["mentions"]),
                      "runs": fmt.number(c["runs"]), "failed": fmt.number(c["failed"]),
                      "failed_raw": c["failed"], "quiet_days": fmt.number(c["quiet_days"]),
                      "last_ok": fmt.moment(c["last_ok"].astimezone(config.municipality.tz)) if c["last_ok"] else "–"}
                     for c in data.coverage],
        "quality": [
            t["quality_rules"],
            *([t["quality_model"].format(models=", ".join(quality_models))] if quality_models else []),
            t["quality_corrections"].format(corrected=fmt.number(corrected), agreed=fmt.number(agreed),
                                            share=fmt.percent(agreed / corrected)) if corrected
            else t["quality_no_corrections"],
        ],
        "privacy": t["privacy"] if config.privacy.pseudonymise else "",
    }


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
        found["response_bands"] = charts.response_bands(
            data.response_bands, _band_names(data.response_bands, labels[lang], fmt), chart_labels)
        hours = _rows(m["response_by_weekday_hour"])
        found["arrivals"] = charts.weekday_hour(hours, "cases", chart_labels, chart_labels["cases_heat_axis"])
        answered = [h for h in hours if h["median_business_minutes"] is not None]
        if answered:
            found["response_heat"] = charts.weekday_hour(answered, "median_business_minutes", chart_labels,
                                                         chart_labels["minutes_heat_axis"], colours="Reds")
    return found
