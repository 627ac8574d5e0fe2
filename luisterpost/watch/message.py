"""The alert as residents' posts allow it to be read: in Dutch, with residents pseudonymised and their contact
details masked before anything is written (metrics.privacy)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import polars as pl

from ..metrics.privacy import Pseudonymiser
from ..report.formatting import Formatter

NL = Formatter("nl")
PLATFORMS = {"mastodon": "Mastodon", "bluesky": "Bluesky", "reddit": "Reddit", "youtube": "YouTube",
             "facebook": "Facebook", "instagram": "Instagram", "twitter": "X", "news": "nieuws"}
KINDS_NL = {"volume": "meer berichten", "negativity": "meer negatieve berichten"}
QUOTE_CHARS = 240  # a lead post is shown up to this many characters


def reason_text(reason: str, severity: int, before: dict[str, object] | None, spike: dict[str, object]) -> str:
    """Why this alert is sent, in words: new, more severe, or reaching a new woonkern or theme."""
    if reason == "ernstiger" and before:
        return f"de ernst steeg van {before['severity']} naar {severity}"
    if reason == "breder" and before:
        places = [w for w in spike["woonkernen"] if w not in before["woonkernen"]]
        themes = [t for t in spike["themes"] if t not in before["themes"]]
        parts = ([f"woonkern {', '.join(places)}"] if places else []) + ([f"thema {', '.join(themes)}"] if themes else [])
        return "nu ook in " + " en ".join(parts)
    return "nieuwe piek"


def leads(posts: pl.DataFrame, privacy: Pseudonymiser, own_handles: dict[str, set[str]], tz: str) -> list[str]:
    """The lead posts as lines: pseudonym, platform, local time and the masked text, shortened."""
    if posts.is_empty():
        return []
    shown = privacy.texts(privacy.names(posts), own_handles)
    lines = []
    for row in shown.iter_rows(named=True):
        text = " ".join((row["text"] or "").split())
        if len(text) > QUOTE_CHARS:
            text = text[:QUOTE_CHARS - 1].rstrip() + "…"
        at = row["created_at"].astimezone(ZoneInfo(tz)).strftime("%H:%M")
        lines.append(f"{row['author']} ({PLATFORMS.get(str(row['platform']), str(row['platform']))}, {at}): “{text}”")
    return lines


def compose(municipality: str, spike: dict[str, object], reason: str, before: dict[str, object] | None,
            quotes: list[str], brief: str | None) -> tuple[str, str]:
    """(title, body) of the alert about `spike` (watch.episodes.describe), in Dutch."""
    severity = int(spike["severity"])
    what = " en ".join(KINDS_NL[k] for k in spike["kinds"])
    title = f"Luisterpost {municipality}: {what} (ernst {severity}/10)"
    facts = []
    if spike["volume_factor"] is not None:
        facts.append(f"{NL.number(spike['volume_factor'], 1)}× zoveel berichten als gewoonlijk in het drukste uur")
    if spike["negativity_factor"] is not None:
        facts.append(f"{NL.number(spike['negativity_factor'], 1)}× zoveel negatieve berichten als gewoonlijk")
    facts.append(f"{NL.number(spike['posts'])} berichten van inwoners, waarvan {NL.percent(spike['negative_share'])} "
                 f"negatief ({NL.number(spike['negative_posts'])})")
    platforms = ", ".join(f"{PLATFORMS.get(p, p)} ({NL.number(n)})" for p, n in spike["platforms"].items())
    where = [platforms or "–",
             "woonkernen: " + (", ".join(spike["woonkernen"]) or "de hele gemeente"),
             "thema's: " + (", ".join(spike["themes"]) or "–")]
    lines = [
        f"Wat: {'; '.join(facts)}.",
        f"Sinds: {since(spike['start_local'])}.",
        f"Waar: {' · '.join(where)}.",
        f"Woorden: {', '.join(spike['top_terms']) or '–'}.",
        f"Waarom nu: {reason_text(reason, severity, before, spike)}.",
    ]
    if quotes:
        lines += ["", "Berichten (inwoners onder schuilnaam):", *(f"{n}. {q}" for n, q in enumerate(quotes, start=1))]
    if brief:
        lines += ["", f"crisisbrief: {brief}"]
    return title, "\n".join(lines)


def since(local: datetime) -> str:
    """'zondag 29 november 14:00' (local time)."""
    from babel.dates import format_datetime

    return format_datetime(local, format="EEEE d MMMM HH:mm", locale="nl_NL")

