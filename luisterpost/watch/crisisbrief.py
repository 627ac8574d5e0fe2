"""Where the crisis brief of an alerted episode is written.

HOOK: a crisis-brief report kind (luisterpost.report) renders a brief about one episode; until it is plugged in
here no brief is written, and the alert says nothing about one. When it is, `write_crisis_brief` returns the
brief's path and the alert names it as "crisisbrief: <path>"."""

from __future__ import annotations

from pathlib import Path

from ..config import Config


def write_crisis_brief(config: Config, spike: dict[str, object]) -> Path | None:
    """The path of the crisis brief written about `spike` (watch.episodes.describe), or None when none was
    written (none yet: see the module's docstring)."""
    return None
