"""Analysts' corrections of a mention's sentiment, themes or woonkernen: checked against the config and the
stored mentions, kept in their own table (enrichment never touches it), read by every metric and report.

CSV import: columns platform, id, and any of sentiment, themes, woonkernen, note, by. An empty cell keeps
what enrichment found; themes and woonkernen are separated by ';' (or ','), and '-' means "none"."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..config import Config
from ..errors import UserError
from ..labels import dutch_label
from .db import transaction
from .runs import utcnow

COLUMNS = ("platform", "id", "sentiment", "themes", "woonkernen", "note", "by")


@dataclass(frozen=True)
class Correction:
    platform: str
    id: str
    sentiment_label: str | None = None  # None: keep enrichment's
    themes: tuple[str, ...] | None = None
    woonkernen: tuple[str, ...] | None = None
    note: str | None = None
    by: str | None = None


@dataclass
class CorrectionResult:
    stored: int = 0
    problems: list[str] = field(default_factory=list)


def names(value: str, allowed: list[str], what: str) -> tuple[str, ...]:
    """The names in `value` (';' or ',' separated; '-' for none), each checked against `allowed`."""
    value = value.strip()
    if value == "-":
        return ()
    given = [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]
    unknown = [v for v in given if v not in allowed]
    if unknown:
        raise ValueError(f"{what} {', '.join(map(repr, unknown))} not in the config ({', '.join(allowed) or 'none'})")
    return tuple(dict.fromkeys(given))


def correction(config: Config, platform: str, id: str, sentiment: str | None = None, themes: str | None = None,
               woonkernen: str | None = None, note: str | None = None, by: str | None = None) -> Correction:
    """A checked correction from text values as a user gives them (None or '' keeps enrichment's value)."""
    if not platform.strip() or not id.strip():
        raise ValueError("platform and id are required")
    if not (sentiment or themes or woonkernen):
        raise ValueError("nothing to correct: give a sentiment, themes or woonkernen")
    return Correction(
        platform.strip(), id.strip(),
        dutch_label(sentiment) if sentiment else None,
        names(themes, list(config.terms.portfolios), "theme") if themes else None,
        names(woonkernen, config.terms.woonkernen, "woonkern") if woonkernen else None,
        note or None, by or None,
    )


def store(con: duckdb.DuckDBPyConnection, corrections: list[Correction]) -> list[Correction]:
    """Store `corrections` (a later one for the same mention replaces an earlier); return those whose
    mention is not stored (they are not kept)."""
    if not corrections:
        return []
    keys = [(c.platform, c.id) for c in corrections]
    con.execute("CREATE OR REPLACE TEMP TABLE wanted (platform VARCHAR, id VARCHAR)")
    con.executemany("INSERT INTO wanted VALUES (?, ?)", keys)
    known = set(con.execute("SELECT w.platform, w.id FROM wanted w SEMI JOIN mentions m USING (platform, id)").fetchall())
    con.execute("DROP TABLE wanted")
    now = utcnow()
    with transaction(con):
        for c in corrections:
            if (c.platform, c.id) not in known:
                continue
            con.execute(
                "INSERT INTO corrections VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, id) DO UPDATE SET"
                " sentiment_label = excluded.sentiment_label, themes = excluded.themes,"
                " woonkernen = excluded.woonkernen, note = excluded.note, corrected_by = excluded.corrected_by,"
                " corrected_at = excluded.corrected_at",
                [c.platform, c.id, c.sentiment_label, None if c.themes is None else list(c.themes),
                 None if c.woonkernen is None else list(c.woonkernen), c.note, c.by, now])
    return [c for c in corrections if (c.platform, c.id) not in known]


def remove(con: duckdb.DuckDBPyConnection, platform: str, id: str) -> bool:
    """Drop a mention's correction (enrichment's values count again); return whether there was one."""
    found = con.execute("DELETE FROM corrections WHERE platform = ? AND id = ? RETURNING 1", [platform, id]).fetchall()
    return bool(found)


def import_csv(con: duckdb.DuckDBPyConnection, config: Config, path: str | Path) -> CorrectionResult:
    """Store the corrections in a CSV file; bad rows are reported as file:line and skipped."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    found: list[tuple[int, Correction]] = []
    issues: list[tuple[int, str]] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in ("platform", "id") if c not in header]
        if missing:
            raise UserError(f"{path}:1: missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}")
        reader.fieldnames = header
        for row in reader:
            line = reader.line_num
            try:
                value = {k: (row.get(k) or "").strip() for k in COLUMNS}
                found.append((line, correction(config, value["platform"], value["id"], value["sentiment"],
                                               value["themes"], value["woonkernen"], value["note"], value["by"])))
            except ValueError as exc:
                issues.append((line, str(exc)))
    unknown = {(c.platform, c.id) for c in store(con, [c for _, c in found])}
    issues += [(line, f"no mention {c.platform}/{c.id} is stored") for line, c in found if (c.platform, c.id) in unknown]
    return CorrectionResult(stored=len(found) - sum(1 for _, c in found if (c.platform, c.id) in unknown),
                            problems=[f"{path}:{line}: {reason}" for line, reason in sorted(issues)])
