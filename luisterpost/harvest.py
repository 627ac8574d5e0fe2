"""Harvesting: fetch from a source, store raw and normalised rows, advance its watermarks. No Prefect here."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from .errors import UserError
from .sources.base import Batch, Query, RawItem, Source
from .sources.errors import SourceError, SourceSkipped, SourceStopped, redact
from .sources.listing import open_gaps
from .sql import query as sql_query
from .store import transaction
from .store.mentions import FIELDS, INCOMING_SCHEMA, StoreCounts, store_incoming, store_staged
from .store.runs import QueryOutcome, SourceOutcome, get_watermarks, set_watermark, utcnow

if TYPE_CHECKING:
    from .mentions_file import MentionsChunk

# The watermark under which a source keeps the items whose conversations a stopped run could not read.
PENDING = "conversations:pending"


def _explain(exc: BaseException) -> str:
    """An error as a user reads it: our own messages as they are, anything else with its type."""
    if isinstance(exc, SourceError | UserError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename + ': ' if exc.filename else ''}{exc.strerror}"
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
    now: datetime | None = None,
) -> SourceOutcome:
    """Fetch everything new from `source`, query by query, and store it batch by batch; return what happened.

    Every query (a hashtag, an account, a feed, a file) runs and is recorded on its own: one that fails is named
    with its reason and the others still run. Then the conversation around every item that has one (the
    municipality's own posts, however they were found, and again those younger than `revisit_days`) is read.
    Fetching may run concurrently with other sources; storing takes `write_lock` so writes to the one DuckDB
    file happen one at a time. Batches already stored stay stored with their watermarks."""
    outcome = SourceOutcome(source=source.name, started_at=utcnow())
    lock = write_lock or contextlib.nullcontext()
    try:
        with lock:
            watermarks = get_watermarks(con, source.name)
        try:
            queries = source.open(watermarks)
        except SourceSkipped as exc:
            outcome.status, outcome.error = "skipped", _redact(str(exc), source)
            return outcome
        except Exception as exc:  # noqa: BLE001 - one source failing must not stop the others
            outcome.status, outcome.error = "failed", _redact(_explain(exc), source)
            return outcome
        run = _Run(con, source, lock, outcome, on_batch, watermarks)
        for query in queries:
            run.query(query)
        roots = run.roots
        # Conversations an earlier run had to leave (a quota, a rate limit), then those of young posts.
        waiting = json.loads(watermarks.get(PENDING) or "[]")
        revisit_days = getattr(getattr(source, "settings", None), "revisit_days", 0) or 0
        young = (now or getattr(source, "now", None) or utcnow()) - timedelta(days=revisit_days) if revisit_days else None
        for item in _stored_items(con, source, lock, waiting, young) if waiting or young else []:
            if item.id not in roots:
                thread = source.thread(item)
                if thread is not None:
                    roots[item.id] = thread
        left = run.conversations(roots)
        if left or waiting:
            with lock:
                set_watermark(con, source.name, PENDING, json.dumps(left))
        outcome.status = _status(outcome)
        outcome.error = _redact("\n".join(q.error for q in outcome.queries if q.error), source) or None
        return outcome
    finally:
        outcome.finished_at = utcnow()
        source.close()


class _Run:
    """One harvest of one source: its queries in turn, each recorded with its own outcome."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: Source, lock: Any, outcome: SourceOutcome,
                 on_batch: Callable[[SourceOutcome], None] | None, watermarks: dict[str, str]):
        self.con, self.source, self.lock, self.outcome, self.on_batch = con, source, lock, outcome, on_batch
        self.watermarks = watermarks
        self.seen: set[tuple[str, str]] = set()  # each item once per run, whichever query returns it
        self.roots: dict[str, Query] = {}  # items with a conversation to read, by id, however they were found
        self.stopped: str | None = None

    def query(self, query: Query, *, record: bool = True) -> QueryOutcome:
        """Harvest one query; return (and, with `record`, keep) its outcome."""
        result = QueryOutcome(query.name, query.label)
        if record:
            self.outcome.queries.append(result)
        if self.stopped:
            result.status, result.behind = "not run", "not read this run (the source stopped: see above)"
            return result
        problems: list[str] = []
        try:
            for batch in query.read(self.watermarks.get(query.name)):
                for item in batch.items:
                    if item.id not in self.roots:
                        thread = self.source.thread(item)
                        if thread is not None:
                            self.roots[item.id] = thread
                fresh = []
                for item in batch.items:
                    if (item.platform, item.id) not in self.seen:
                        self.seen.add((item.platform, item.id))
                        fresh.append(item)
                batch.items = fresh
                prepared = prepare_batch(self.source, batch)
                with self.lock:
                    part = write_batch(self.con, self.source, prepared)
                if batch.watermark is not None:
                    self.watermarks[batch.query] = batch.watermark
                _add(result, part)
                _add(self.outcome, part)
                if part.error:
                    problems.append(part.error)
                if self.on_batch:
                    self.on_batch(self.outcome)
        except SourceStopped as exc:
            self.stopped = _explain(exc)
            result.status = "stopped"
            problems.append(self.stopped)
        except SourceSkipped as exc:
            result.status = "skipped"
            problems.append(_explain(exc))
        except Exception as exc:  # noqa: BLE001 - one query failing must not stop the others
            result.status = "failed"
            message = _explain(exc)
            problems.append(message if message.startswith(query.label) else f"{query.label}: {message}")
        if result.status == "ok" and problems:
            result.status = "partial"
        result.error = _redact("\n".join(problems), self.source) or None
        gaps = open_gaps(self.watermarks.get(query.name))
        if gaps:
            result.behind = "; ".join(f"{g.words()} not read yet" for g in gaps) + "; the next runs continue there"
        return result

    def conversations(self, threads: dict[str, Query]) -> list[str]:
        """Read every conversation (by the id of the item it is about); record the failed ones by name and the
        rest as one line. Return the ids of those not read because the source had to stop."""
        threads = dict(threads)  # reading them finds more: those are read by a later run
        together = QueryOutcome("conversations", f"conversations ({len(threads)})")
        left = []
        for item_id, thread in threads.items():
            result = self.query(thread, record=False)
            if result.status == "ok":
                _add(together, result)
            elif result.status in {"not run", "stopped"}:
                left.append(item_id)
                if result.status == "stopped":
                    self.outcome.queries.append(result)  # says why the source stopped
            else:
                self.outcome.queries.append(result)
        if left:
            together.status = "not run"
            together.behind = f"{len(left):,} conversations not read yet (the source stopped); the next run reads them"
        if threads:
            self.outcome.queries.append(together)
        return left


def _add(total: Any, part: Any) -> None:
    total.fetched += part.fetched
    total.new += part.new
    total.updated += part.updated
    total.skipped += part.skipped


def _status(outcome: SourceOutcome) -> str:
    """ok when every query was read whole; failed when every one failed; partial otherwise."""
    statuses = [q.status for q in outcome.queries]
    if statuses and all(s == "failed" for s in statuses):
        return "failed"
    if any(s != "ok" for s in statuses if s != "not run") or outcome.skipped:
        return "partial"
    return "ok"


def _stored_items(con: duckdb.DuckDBPyConnection, source: Source, lock: Any, ids: list[str],
                  since: datetime | None) -> list[RawItem]:
    """The raw items this source stored with one of `ids`, or of posts created since `since`: their
    conversations are read (again)."""
    with lock:
        rows = con.execute(sql_query("harvest/stored_raw_items"),
                           {"source": source.name, "ids": ids, "since": since}).fetchall()
    return [RawItem(platform, item_id, json.loads(payload), f"{platform} {item_id}") for platform, item_id, payload in rows]


def _redact(text: str, source: Source) -> str:
    # Defence in depth: adapters never put secrets in messages, but an API may echo one back.
    return redact(text, getattr(source, "secrets", ()))
