"""Re-running the normalisers over the stored raw payloads: once a normaliser is fixed, the mentions it made are
corrected in place, and the items it could not normalise are added, without harvesting again.

No Prefect and no network: each source's adapter is built from the config and only its `normalise` is called.
The rows go through the same staging checks as a harvest; what changed is enriched again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

import duckdb

from .config import Config
from .enrich.run import enrich_pending, matcher_for, scorer_for
from .errors import UserError
from .harvest import prepare_batch
from .sources import build_source
from .sources.base import Batch, RawItem, Source
from .sql import query
from .store import transaction
from .store.mentions import stage
from .store.replace import replace_staged
from .store.runs import SourceOutcome, finish_run, record_source, start_run, utcnow
from .store.suppression import Suppressor, suppressor_of

CHUNK_ROWS = 5_000  # raw payloads normalised and written at a time: memory stays bounded
SHOWN_PROBLEMS = 20  # skipped payloads kept in the run record (all are returned)


@dataclass
class Renormalised:
    """What renormalising one source did: raw payloads read; mentions updated, inserted and unchanged; each
    payload skipped as "ref: reason"; and `note`, why nothing was read (no raw payloads) or why it failed."""

    source: str
    read: int = 0
    updated: int = 0
    inserted: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)
    note: str | None = None
    failed: bool = False


@dataclass
class RenormaliseResult:
    """The run's id in harvest_runs (kind 'renormalise'), one result per source, and how many mentions were
    enriched again afterwards."""

    run_id: int
    sources: list[Renormalised]
    enriched: int


def sources_named(config: Config, name: str | None) -> list:
    """The [[sources]] tables to renormalise: all of them, or the one called `name` (UserError naming the
    configured sources when there is none)."""
    if name is None:
        return list(config.sources)
    found = [s for s in config.sources if s.source_name == name]
    if not found:
        names = ", ".join(s.source_name for s in config.sources) or "none"
        raise UserError(f"--source {name!r}: no source of that name in the config (its sources: {names})")
    return found


def renormalise(con: duckdb.DuckDBPyConnection, config: Config, *, source: str | None = None,
                since: date | None = None, chunk_rows: int = CHUNK_ROWS) -> RenormaliseResult:
    """Normalise the stored raw payloads of every configured source (or only `source`) again and store the
    result: changed mentions updated, missing ones inserted. With `since`, only the payloads fetched on or
    after that local day. Recorded as a run of kind 'renormalise'; what changed is enriched again."""
    wanted = sources_named(config, source)
    fetched_since = datetime.combine(since, time.min, config.municipality.tz) if since else None
    suppressor = suppressor_of(config, con)
    run_id = start_run(con, "renormalise")
    results: list[Renormalised] = []
    outcomes: list[SourceOutcome] = []
    for settings in wanted:
        started = utcnow()
        result = _renormalise_one(con, build_source(config, settings), fetched_since, chunk_rows, suppressor)
        results.append(result)
        outcome = _outcome(result, started)
        record_source(con, run_id, outcome)
        outcomes.append(outcome)
    finish_run(con, run_id, outcomes)
    changed = sum(r.updated + r.inserted for r in results)
    # Enrichment redoes what changed: new mentions, changed texts, and those whose language tag was dropped.
    enriched = enrich_pending(con, matcher_for(config), scorer_for(config)) if changed else 0
    return RenormaliseResult(run_id, results, enriched)


def _renormalise_one(con: duckdb.DuckDBPyConnection, source: Source, since: datetime | None,
                     chunk_rows: int, suppressor: Suppressor | None = None) -> Renormalised:
    result = Renormalised(source.name)
    try:
        for items in raw_pages(con, source.name, since, chunk_rows):
            _store_page(con, source, items, result, suppressor)
    except Exception as exc:  # noqa: BLE001 - one source failing must not stop the others
        # Pages already stored stay stored: renormalising them again changes nothing.
        result.failed, result.note = True, f"failed: {exc.__class__.__name__}: {exc}"
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
    if not result.read and not result.failed:
        if getattr(source, "kind", None) in ("jsonl", "csv"):
            # Dropped files are Mentions already, stored as they are: the file is the raw payload.
            result.note = "a drop folder keeps no raw payloads: its files are read again when they change"
        else:
            result.note = f"no raw payloads fetched since {since:%Y-%m-%d}" if since else "no raw payloads stored"
    return result


def raw_pages(con: duckdb.DuckDBPyConnection, source: str, since: datetime | None,
              rows: int) -> Iterator[list[RawItem]]:
    """Yield the source's raw payloads (fetched at or after `since`) as lists of at most `rows` RawItems, in
    key order. Each page is read when the one before has been handled, so they may be written in between."""
    after = ("", "")
    while True:
        page = con.execute(query("renormalise/raw_payloads"), {
            "source": source, "since": since, "after_platform": after[0], "after_id": after[1], "limit": rows,
        }).fetchall()
        if not page:
            return
        yield [RawItem(platform, id, json.loads(payload)) for platform, id, payload in page]
        if len(page) < rows:
            return
        after = page[-1][0], page[-1][1]


def _store_page(con: duckdb.DuckDBPyConnection, source: Source, items: list[RawItem], result: Renormalised,
                suppressor: Suppressor | None = None) -> None:
    # The harvest's own normalising (refs "platform id", problems as "ref: reason") and staging.
    prepared = prepare_batch(source, Batch("renormalise", items, None))
    with transaction(con):
        rejected = stage(con, prepared.incoming)
        updated, inserted = replace_staged(con, source=source.name, now=utcnow(), suppressor=suppressor)
    problems = prepared.problems + [f"{prepared.refs[r.seq]}: {r.reason}" for r in rejected]
    result.read += len(items)
    result.updated += updated
    result.inserted += inserted
    result.unchanged += len(items) - len(problems) - updated - inserted
    result.problems += problems


def _outcome(result: Renormalised, started: datetime) -> SourceOutcome:
    """The run record of one source: read counts as fetched, inserted as new."""
    shown = result.problems[:SHOWN_PROBLEMS]
    if len(result.problems) > SHOWN_PROBLEMS:
        shown.append(f"… and {len(result.problems) - SHOWN_PROBLEMS} more")
    error = "\n".join(([result.note] if result.failed else []) + shown) or None
    status = "failed" if result.failed else "partial" if result.problems else "ok"
    return SourceOutcome(source=result.source, status=status, fetched=result.read, new=result.inserted,
                         updated=result.updated, skipped=len(result.problems), error=error, started_at=started,
                         finished_at=utcnow())
