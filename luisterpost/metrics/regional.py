"""The regional overview: every municipality of a fleet side by side for one month, counts only."""

from __future__ import annotations

import duckdb
import polars as pl

from ..config import Config
from ..errors import UserError
from ..fleet import Fleet
from . import peers
from .compute import Filters, headline, load_window, prepare, settings_of
from .period import Period
from .spikes import detect


def municipality_row(con: duckdb.DuckDBPyConnection, config: Config, period: Period) -> dict[str, object]:
    """One municipality's row for `period`: its benchmark figures (peers.row: per 10,000 inhabitants, net
    sentiment, response rate, median first response) and its spikes: `spikes` (how many events) and
    `worst_spike` (the most severe: start, kinds, severity and residents' posts in it; None without spikes).
    No post, author or term: the overview holds counts only."""
    settings = settings_of(config)
    marked, timed = prepare(load_window(con, period, settings.window_hours), settings)
    found = detect(marked, period.start, period.end, str(period.tz), settings.spikes, settings.own_words, top=0) \
        if marked.height else []
    worst = found[0] if found else None
    return {**peers.row(config, headline(marked, timed, period, Filters())), "spikes": len(found),
            "worst_spike": {"start": worst["start"], "kinds": list(worst["kinds"]), "severity": worst["severity"],
                            "posts": worst["posts"]} if worst else None}


def regional_rows(fleet: Fleet, year: int, month: int) -> list[dict[str, object]]:
    """A row per config of the fleet for the month (in each municipality's own time zone), in file-name
    order, each with its `config` file name. A municipality whose config or database cannot be read (missing,
    locked by a writing process, broken) gets a row with `error` saying why; the others go on."""
    rows: list[dict[str, object]] = []
    for path in sorted([*fleet.configs, *fleet.broken]):
        config = fleet.configs.get(path)
        try:
            if config is None:
                raise UserError(fleet.broken[path])
            with peers.read_only(config, path) as con:
                rows.append({**municipality_row(con, config, Period.month(year, month, config.municipality.tz)),
                             "config": path.name})
        except (UserError, duckdb.Error, pl.exceptions.PolarsError) as exc:
            rows.append({"municipality": config.municipality.name if config else path.stem, "config": path.name,
                         "error": _first_line(exc)})
    return rows


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0]}" if text and not isinstance(exc, UserError) else (text or [""])[0]

