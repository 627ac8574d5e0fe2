"""Harvesting: fetch from a source, store raw and normalised rows, advance its watermarks. No Prefect here."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from .errors import UserError
from .sources.base import Batch, Gone, Query, RawItem, Source
from .sources.errors import SourceError, SourceSkipped, SourceStopped, redact
from .sources.listing import open_gaps
from .sql import query as sql_query
from .store import transaction
from .store.access import Database, Held
from .store.mentions import FIELDS, INCOMING_SCHEMA, StoreCounts, store_incoming, store_staged
from .store.runs import (QueryOutcome, SourceOutcome, clear_watermarks, get_watermarks, set_watermark, set_watermarks,
                         utcnow)
from .store.suppression import Suppressor, keep_payloads

if TYPE_CHECKING:
    from .mentions_file import MentionsChunk

# A conversation found but not read yet is kept as a watermark "conversation <its query>" holding the item's
# [platform, id]: a run that stops, fails or is killed before reading it leaves it for the next run.
PENDING = "conversation "


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
    con: duckdb.DuckDBPyConnection, source: Source, prepared: PreparedBatch, *, now: datetime | None = None,
    suppressor: Suppressor | None = None,
) -> SourceOutcome:
    """Store a prepared batch, and its watermark, in one transaction; return its counts. Posts on the
    suppression list are left out, payloads and all (store/suppression.py)."""
    now = now or utcnow()
    batch = prepared.batch
    if batch.chunk is not None:
        return _write_chunk(con, source, batch, batch.chunk, now, suppressor)
    with transaction(con):
        if batch.items:
            counts = store_incoming(con, prepared.incoming, source=source.name, now=now, suppressor=suppressor)
            # After the mentions, which tell whose posts were left out: their payloads are not kept either.
            con.register("raw_batch", keep_payloads(con, prepared.raw, suppressor))
            con.execute(
                "INSERT OR REPLACE INTO raw_items (source, platform, id, fetched_at, payload)"
                " SELECT DISTINCT ON (platform, id) ?, platform, id, ?, payload FROM raw_batch",
                [source.name, now],
            )
            con.unregister("raw_batch")
        else:
            counts = StoreCounts(0, 0, [])
        deleted = remove_gone(con, batch.gone) if batch.gone else 0
        if batch.watermark is not None:
            set_watermark(con, source.name, batch.query, batch.watermark)
    problems = prepared.problems + [f"{prepared.refs[r.seq]}: {r.reason}" for r in counts.rejected]
    return SourceOutcome(
        # Unreadable records count as fetched (and skipped), as rows read do in an import.
        source=source.name, fetched=len(batch.items) + len(batch.problems), new=counts.new, updated=counts.updated,
        skipped=len(problems), deleted=deleted, suppressed=counts.suppressed, error="\n".join(problems) or None,
    )


# Every table that holds a row per post: a post deleted at the source leaves none of them behind.
POST_TABLES = ("mentions", "raw_items", "enrichments", "corrections")


def remove_gone(con: duckdb.DuckDBPyConnection, gone: list[Gone]) -> int:
    """Delete the stored rows of posts deleted at the source (and of the conversations that went with them)
    from every table in POST_TABLES, whichever source stored them; return how many posts had rows. Call inside
    the batch's transaction."""
    params = {"platforms": [g.platform for g in gone], "ids": [g.id for g in gone],
              "whole": [g.with_conversation for g in gone]}
    con.execute("CREATE OR REPLACE TEMP TABLE gone_posts AS " + sql_query("harvest/gone_posts"), params)
    removed = con.execute("SELECT count(*) FROM gone_posts").fetchall()[0][0]
    for table in POST_TABLES:
        con.execute(f"DELETE FROM {table} AS t USING gone_posts AS g WHERE t.platform = g.platform AND t.id = g.id")
    con.execute("DROP TABLE gone_posts")
    return removed


def _write_chunk(
    con: duckdb.DuckDBPyConnection, source: Source, batch: Batch, chunk: MentionsChunk, now: datetime,
    suppressor: Suppressor | None,
) -> SourceOutcome:
    """Store a batch's chunk of a Mentions file, and its watermark, in one transaction; return its counts. No
    raw_items rows: the file is the raw payload. Bad rows are named as file:line."""
    with transaction(con):
        rejected = chunk.stage(con)
        new, updated, suppressed = store_staged(con, source=source.name, now=now, suppressor=suppressor)
        if batch.watermark is not None:
            set_watermark(con, source.name, batch.query, batch.watermark)
    problems = batch.problems + chunk.describe(rejected)
    return SourceOutcome(
        source=source.name, fetched=chunk.rows + len(batch.problems), new=new, updated=updated,
        skipped=len(problems), suppressed=suppressed, error="\n".join(problems) or None,
    )


def harvest_source(
    db: duckdb.DuckDBPyConnection | Database,
    source: Source,
    *,
    write_lock: threading.Lock | None = None,
    on_batch: Callable[[SourceOutcome], None] | None = None,
    now: datetime | None = None,
    suppressor: Suppressor | None = None,
) -> SourceOutcome:
    """Fetch everything new from `source`, query by query, and store it batch by batch; return what happened.

    Every query (a hashtag, an account, a feed, a file) runs and is recorded on its own: one that fails is named
    with its reason and the others still run. Then the conversation around every item that has one (the
    municipality's own posts, however they were found, and again those younger than `revisit_days`) is read;
    a post the platform then says was deleted (or a reply in it) is removed and counted in `deleted`.
    `db` is the database file as store.access shares it (`SharedFile`: opened for each write and let go while
    fetching, so other processes read and write in between), or a connection held open; with a connection,
    `write_lock` makes the writes of sources fetched concurrently go one at a time. Batches already stored stay
    stored with their watermarks. Posts on the
    suppression list (`suppressor`, needed once the list holds anything) are left out and counted."""
    outcome = SourceOutcome(source=source.name, started_at=utcnow())
    if isinstance(db, duckdb.DuckDBPyConnection):
        db = Held(db, write_lock)
    try:
        with db.write() as con:
            watermarks = get_watermarks(con, source.name)
        try:
            queries = source.open(watermarks)
        except SourceSkipped as exc:
            outcome.status, outcome.error = "skipped", _redact(str(exc), source)
            return outcome
        except Exception as exc:  # noqa: BLE001 - one source failing must not stop the others
            outcome.status, outcome.error = "failed", _redact(_explain(exc), source)
            return outcome
        run = _Run(db, source, outcome, on_batch, watermarks, suppressor)
        run.resume()
        for query in queries:
            run.query(query)
        roots = run.roots
        revisit_days = getattr(getattr(source, "settings", None), "revisit_days", 0)
        if revisit_days:
            since = (now or getattr(source, "now", None) or utcnow()) - timedelta(days=revisit_days)
            for item in _recent_items(db, source, since):
                if item.id not in roots:
                    thread = source.thread(item)
                    if thread is not None:
                        roots[item.id] = thread
        run.conversations(list(roots.values()))
        outcome.status = _status(outcome)
        outcome.error = _redact("\n".join(q.error for q in outcome.queries if q.error), source) or None
        return outcome
    finally:
        outcome.finished_at = utcnow()
        source.close()


class _Run:
    """One harvest of one source: its queries in turn, each recorded with its own outcome."""

    def __init__(self, db: Database, source: Source, outcome: SourceOutcome,
                 on_batch: Callable[[SourceOutcome], None] | None, watermarks: dict[str, str],
                 suppressor: Suppressor | None = None):
        self.db, self.source, self.outcome, self.on_batch = db, source, outcome, on_batch
        self.suppressor = suppressor
        self.watermarks = watermarks
        self.seen: set[tuple[str, str]] = set()  # each item once per run, whichever query returns it
        self.roots: dict[str, Query] = {}  # items with a conversation to read, by id, however they were found
        self.pending: dict[str, str] = {}  # conversation query name → its PENDING watermark
        self.stopped: str | None = None

    def resume(self) -> None:
        """Take up the conversations that earlier runs found but did not read."""
        marks = {tuple(json.loads(value)): name for name, value in self.watermarks.items() if name.startswith(PENDING)}
        if not marks:
            return
        ids = [item_id for _, item_id in marks]
        with self.db.write() as con:
            rows = con.execute("SELECT platform, id, payload FROM raw_items WHERE source = ? AND id IN"
                               " (SELECT unnest(?::VARCHAR[]))", [self.source.name, ids]).fetchall()
        for platform, item_id, payload in rows:
            name = marks.get((platform, item_id))
            thread = self.source.thread(RawItem(platform, item_id, json.loads(payload), f"{platform} {item_id}"))
            if name and thread is not None:
                self.roots[item_id], self.pending[thread.name] = thread, name
        stale = set(marks.values()) - set(self.pending.values())
        if stale:  # their items were never stored
            with self.db.write() as con:
                clear_watermarks(con, self.source.name, sorted(stale))

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
                found = []
                for item in batch.items:
                    if item.id not in self.roots:
                        thread = self.source.thread(item)
                        if thread is not None:
                            self.roots[item.id] = thread
                            found.append(item)
                fresh = []
                for item in batch.items:
                    if (item.platform, item.id) not in self.seen:
                        self.seen.add((item.platform, item.id))
                        fresh.append(item)
                batch.items = fresh
                prepared = prepare_batch(self.source, batch)
                with self.db.write() as con:
                    if record and found:  # conversations found by a listing: marked before the batch is stored
                        self._mark(con, found)
                    part = write_batch(con, self.source, prepared, suppressor=self.suppressor)
                if batch.watermark is not None:
                    self.watermarks[batch.query] = batch.watermark
                _add(result, part)
                _add(self.outcome, part)
                self.outcome.deleted += part.deleted
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

    def _mark(self, con: duckdb.DuckDBPyConnection, items: list[RawItem]) -> None:
        marks = {PENDING + self.roots[item.id].name: json.dumps([item.platform, item.id]) for item in items}
        set_watermarks(con, self.source.name, marks)
        self.pending.update({name.removeprefix(PENDING): name for name in marks})

    def conversations(self, threads: list[Query]) -> None:
        """Read every conversation; record the failed ones by name and the rest as one line."""
        together = QueryOutcome("conversations", f"conversations ({len(threads)})")
        read = []
        left = 0
        for thread in threads:
            result = self.query(thread, record=False)
            if result.status in ("ok", "partial") and thread.name in self.pending:
                read.append(self.pending.pop(thread.name))
            if result.status == "ok":
                _add(together, result)
            else:
                left += result.status in ("not run", "stopped")
                if result.status != "not run":
                    self.outcome.queries.append(result)  # named with its reason (a stop says why)
        if left:
            together.status = "not run"
            together.behind = f"{left:,} conversations not read yet (the source stopped); the next run reads them"
        if threads:
            self.outcome.queries.append(together)
        if read:  # cleared in one write; were the run killed before it, the next would read them once more
            with self.db.write() as con:
                clear_watermarks(con, self.source.name, read)


def _add(total: Any, part: Any) -> None:
    total.fetched += part.fetched
    total.new += part.new
    total.updated += part.updated
    total.skipped += part.skipped
    total.suppressed += part.suppressed


def _status(outcome: SourceOutcome) -> str:
    """ok when every query was read whole; failed when every one failed; partial otherwise."""
    statuses = [q.status for q in outcome.queries]
    if statuses and all(s == "failed" for s in statuses):
        return "failed"
    if any(s != "ok" for s in statuses if s != "not run") or outcome.skipped:
        return "partial"
    return "ok"


def _recent_items(db: Database, source: Source, since: datetime) -> list[RawItem]:
    """The raw items this source stored of posts created since `since` (their conversations are read again)."""
    with db.write() as con:
        rows = con.execute(sql_query("harvest/recent_raw_items"), {"source": source.name, "since": since}).fetchall()
    return [RawItem(platform, item_id, json.loads(payload), f"{platform} {item_id}") for platform, item_id, payload in rows]


def _redact(text: str, source: Source) -> str:
    # Defence in depth: adapters never put secrets in messages, but an API may echo one back.
    return redact(text, getattr(source, "secrets", ()))
