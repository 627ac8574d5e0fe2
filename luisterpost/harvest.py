"""Harvesting: fetch from a source, store raw and normalised rows, advance its watermarks. No Prefect here."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import duckdb
import httpx
import pyarrow as pa

from .errors import UserError
from .sources.base import Batch, Source
from .sources.http import NetworkError, SourceError, SourceSkipped, redact
from .store import transaction
from .store.mentions import FIELDS, INCOMING_SCHEMA, StoreCounts, store_incoming, store_staged
from .store.runs import SourceOutcome, get_watermarks, set_watermark, utcnow

if TYPE_CHECKING:
    from .mentions_file import MentionsChunk

# Failures worth retrying: the network, not our data or our code. httpx is what the adapters speak.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, httpx.TransportError, NetworkError)


def _explain(exc: BaseException) -> str:
    """An error as a user reads it: our own messages as they are, anything else with its type."""
    if isinstance(exc, SourceError | NetworkError | UserError):
        return str(exc)
    return f"{exc.__class__.__name__}: {exc}"


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(int(value))
    return value if isinstance(value, str) else str(value)


@dataclass
class PreparedBatch:
    """A batch normalised and laid out as tables, ready to be written."""

    batch: Batch
    incoming: pa.Table
    raw: pa.Table
    refs: list[str]
    problems: list[str]


def prepare_batch(source: Source, batch: Batch) -> PreparedBatch:
    """Normalise a batch into the tables `write_batch` stores. Pure CPU work: no database, no lock needed,
    so concurrent sources normalise in parallel and only take turns for the write."""
    if batch.chunk is not None:
        # Rows a file reader already read and shaped: nothing to normalise.
        return PreparedBatch(batch, INCOMING_SCHEMA.empty_table(), pa.table({}), [], list(batch.problems))
    problems = list(batch.problems)
    rows: dict[str, list[object]] = {name: [] for name in ("seq", "parse_error", *FIELDS)}
    refs: list[str] = []
    for item in batch.items:
        ref = item.ref or f"{item.platform} {item.id}"
        try:
            mention = source.normalise(item)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            problems.append(f"{ref}: cannot normalise ({exc.__class__.__name__}: {exc})")
            continue
        rows["seq"].append(len(refs))
        rows["parse_error"].append(None)
        for name in FIELDS:
            rows[name].append(_text(mention.get(name)))
        refs.append(ref)
    incoming = pa.Table.from_pydict(rows, schema=INCOMING_SCHEMA)
    raw = pa.table({
        "platform": pa.array([i.platform for i in batch.items], pa.string()),
        "id": pa.array([i.id for i in batch.items], pa.string()),
        "payload": pa.array([json.dumps(i.payload, ensure_ascii=False, default=str) for i in batch.items], pa.string()),
    })
    return PreparedBatch(batch, incoming, raw, refs, problems)


def write_batch(
    con: duckdb.DuckDBPyConnection, source: Source, prepared: PreparedBatch, *, now: datetime | None = None
) -> SourceOutcome:
    """Store a prepared batch, and its watermark, in one transaction; return its counts."""
    now = now or utcnow()
    batch = prepared.batch
    if batch.chunk is not None:
        return _write_chunk(con, source, batch, batch.chunk, now)
    with transaction(con):
        if batch.items:
            con.register("raw_batch", prepared.raw)
            con.execute(
                "INSERT OR REPLACE INTO raw_items (source, platform, id, fetched_at, payload)"
                " SELECT DISTINCT ON (platform, id) ?, platform, id, ?, payload FROM raw_batch",
                [source.name, now],
            )
            con.unregister("raw_batch")
            counts = store_incoming(con, prepared.incoming, source=source.name, now=now)
        else:
            counts = StoreCounts(0, 0, [])
        if batch.watermark is not None:
            set_watermark(con, source.name, batch.query, batch.watermark)
    problems = prepared.problems + [f"{prepared.refs[r.seq]}: {r.reason}" for r in counts.rejected]
    return SourceOutcome(
        # Unreadable records count as fetched (and skipped), as rows read do in an import.
        source=source.name, fetched=len(batch.items) + len(batch.problems), new=counts.new, updated=counts.updated,
        skipped=len(problems), error="\n".join(problems) or None,
    )


def _write_chunk(
    con: duckdb.DuckDBPyConnection, source: Source, batch: Batch, chunk: MentionsChunk, now: datetime
) -> SourceOutcome:
    """Store a batch's chunk of a Mentions file, and its watermark, in one transaction; return its counts. No
    raw_items rows: the file is the raw payload. Bad rows are named as file:line."""
    with transaction(con):
        rejected = chunk.stage(con)
        new, updated = store_staged(con, source=source.name, now=now)
        if batch.watermark is not None:
            set_watermark(con, source.name, batch.query, batch.watermark)
    problems = batch.problems + chunk.describe(rejected)
    return SourceOutcome(
        source=source.name, fetched=chunk.rows + len(batch.problems), new=new, updated=updated,
        skipped=len(problems), error="\n".join(problems) or None,
    )


def harvest_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    *,
    write_lock: threading.Lock | None = None,
    on_batch: Callable[[SourceOutcome], None] | None = None,
    raise_network_errors: bool = False,
) -> SourceOutcome:
    """Fetch everything new from `source` and store it batch by batch; return what happened.

    Fetching may run concurrently with other sources; storing takes `write_lock` so writes to the one
    DuckDB file happen one at a time. A failure stops this source only: batches already stored stay
    stored with their watermarks, later ones are left for the next run. With `raise_network_errors`
    a network failure is raised after recording (so a caller can retry), other failures never are."""
    outcome = SourceOutcome(source=source.name, started_at=utcnow())
    lock = write_lock or contextlib.nullcontext()
    problems: list[str] = []
    try:
        with lock:
            watermarks = get_watermarks(con, source.name)
        for batch in source.fetch(watermarks):
            prepared = prepare_batch(source, batch)
            with lock:
                part = write_batch(con, source, prepared)
            outcome.fetched += part.fetched
            outcome.new += part.new
            outcome.updated += part.updated
            outcome.skipped += part.skipped
            if part.error:
                problems.append(part.error)
            if on_batch:
                on_batch(outcome)
    except SourceSkipped as exc:
        outcome.status = "skipped"
        outcome.error = _redact(str(exc), source)
        outcome.finished_at = utcnow()
        return outcome
    except Exception as exc:  # noqa: BLE001 - one source failing must not stop the others
        outcome.status = "failed"
        problems.append(_explain(exc))
        outcome.error = _redact("\n".join(problems), source)
        outcome.finished_at = utcnow()
        if raise_network_errors and isinstance(exc, NETWORK_ERRORS):
            raise
        return outcome
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
    outcome.status = "partial" if problems else "ok"
    outcome.error = _redact("\n".join(problems), source) or None
    outcome.finished_at = utcnow()
    return outcome


def _redact(text: str, source: Source) -> str:
    # Defence in depth: adapters never put secrets in messages, but an API may echo one back.
    return redact(text, getattr(source, "secrets", ()))
