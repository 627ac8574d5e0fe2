"""Sentiment labels: stored in Dutch; accepted in Dutch or English wherever a person gives one."""

from __future__ import annotations

LABELS = ("negatief", "neutraal", "positief")
_ACCEPTED = {**{label: label for label in LABELS}, "negative": "negatief", "neutral": "neutraal", "positive": "positief"}


def dutch_label(value: str) -> str:
    """The stored (Dutch) label for `value` (Dutch or English, any case); ValueError says what is allowed."""
    found = _ACCEPTED.get(value.strip().lower())
    if found is None:
        raise ValueError(f"label {value!r} is not one of negatief, neutraal, positief (or negative, neutral, positive)")
    return found
