"""The crisis brief of an alerted episode: written when the alert is made, so the alert can say where it is."""

from __future__ import annotations

import logging
from datetime import UTC, timedelta
from pathlib import Path

from ..config import Config
from ..errors import UserError
from ..store.access import Database

# The brief starts this long before the episode: what was said just before it began belongs to the picture.
LEAD_IN = timedelta(hours=6)

log = logging.getLogger(__name__)


def write_crisis_brief(db: Database, config: Config, spike: dict[str, object]) -> Path | None:
    """The path of the crisis brief (PDF, else HTML) written about `spike` (watch.episodes.describe) into
    `[alerts] brief_dir`, from six hours before the episode to its last hour; None when no folder is
    configured or the brief could not be written (said in the log: the alert goes out all the same)."""
    if not config.alerts.brief_dir:
        return None
    from ..report.crisis import render_crisis  # the report package is large: loaded when a brief is due

    start, until = spike["start"].astimezone(UTC) - LEAD_IN, spike["until"].astimezone(UTC)  # type: ignore[attr-defined]
    try:
        with db.read() as con:
            rendered = render_crisis(con, config, start, until, config.resolve(config.alerts.brief_dir))
    except (UserError, OSError, ValueError) as exc:
        log.warning("crisis brief not written: %s", exc)
        return None
    return rendered.pdf or rendered.html
