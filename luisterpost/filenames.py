"""File names of what Luisterpost writes: every choice that changes the content is in the name, so one report or
export never overwrites another one."""

from __future__ import annotations

from .config import Config, slugify
from .metrics.compute import Filters
from .metrics.period import Period


def file_stem(config: Config, period: Period, kind: str, filters: Filters, lang: str | None = None) -> str:
    """luisterpost-<municipality>[-<kind>[-<portfolio>]][-<filter>-<value>…]-<period>[-<lang>].

    The monthly report leaves its kind out; an alderman report names its portfolio right after the kind. Every
    other filter comes as its name and value ("platform-mastodon", "woonkern-heikamp"), so a theme and a
    woonkern of the same name still give different files."""
    parts = ["luisterpost", config.municipality.slug]
    if kind != "monthly":
        parts.append(kind)
    given = filters.as_dict()
    if kind == "alderman" and "theme" in given:
        parts.append(slugify(given.pop("theme"), "thema"))
    for name, value in given.items():
        parts += [name, slugify(value, "x")]
    parts.append(period.label.replace("..", "-tot-"))
    return "-".join([*parts, lang] if lang else parts)
