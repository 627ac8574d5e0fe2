"""Texts as the reports show them: labels with the right singular or plural, platform display names, and
post texts clipped to a length a page can hold."""

from __future__ import annotations

from typing import Any

from ..handles import platform_name

CLIP_PRINT = 320  # characters of a post text in the PDF: a table row stays a few lines high
CLIP_SCREEN = 2_000  # in the HTML, where a row can grow; a whole long post still links to the original
CLIP_EVIDENCE = 160  # the words that decided a post's sentiment, in both media
ELLIPSIS = "…"


def say(t: dict[str, Any], key: str, n: int | None, /, **values: object) -> str:
    """The label `key` filled in with `values`; a label given as {one, other} takes `one` when `n` is 1
    ("1 vermelding", "2 vermeldingen")."""
    label = t[key]
    if isinstance(label, dict):
        label = label["one" if n == 1 else "other"]
    return label.format(**values)


def platform_label(t: dict[str, Any], platform: object) -> str:
    """A platform's display name in the report's language ("news" → "Nieuws"; names as export tools write
    them, "x" or "nieuws", through handles.platform_name); a platform the labels do not know keeps its
    stored name."""
    name = str(platform)
    return t["platform_names"].get(platform_name(name), name)


def clip(text: str | None, limit: int) -> str:
    """`text` cut to at most `limit` characters (ellipsis included) at the last space before the limit,
    or hard at the limit when the last 40 characters hold no space; shorter texts stay as they are."""
    text = text or ""
    if len(text) <= limit:
        return text
    cut = text[:limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > 0 and space >= len(cut) - 40:
        cut = cut[:space]
    return cut.rstrip(" ,.;:–-") + ELLIPSIS
