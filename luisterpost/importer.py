"""Importing a Mentions JSONL v1 or CSV file: chunk by chunk, each in its own transaction, recorded as an import run."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .errors import UserError
from .mentions_file import MentionsChunk, detect_format, read_mentions
from .store import transaction
from .store.mentions import Rejected, store_staged
from .store.runs import SourceOutcome, close_interrupted, finish_run, record_source, start_run, utcnow
from .store.suppression import Suppressor

# Problems kept for the caller to show; beyond this only their number grows, so a bad file keeps memory flat.
KEPT_PROBLEMS = 10_000
SHOWN_IN_RECORD = 20  # problems written into the run record


@dataclass
class ImportResult:
    """What an import did: rows read, new and updated mentions, rows skipped, and the first skipped rows
    as "file:line: reason" (all of them unless there were more than KEPT_PROBLEMS)."""

    file: Path
    read: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    suppressed: int = 0  # rows left out: on the suppression list
    problems: list[str] = field(default_factory=list)
    encoding: str | None = None  # the encoding the file was read in
    run_id: int | None = None

    def add(self, chunk: MentionsChunk, new: int, updated: int, rejected: list[Rejected], suppressed: int = 0) -> None:
        """Count a stored chunk in."""
        self.encoding = self.encoding or chunk.encoding
        self.read += chunk.rows
        self.new += new
        self.updated += updated
        self.suppressed += suppressed
        self.skipped += len(rejected)
        room = KEPT_PROBLEMS - len(self.problems)
        if room > 0:
            self.problems += chunk.describe(rejected[:room])


class ImportStopped(UserError):
    """The file could not be read on; `result` is what was stored (and skipped) before the problem."""

    def __init__(self, message: str, result: ImportResult):
        super().__init__(message)
        self.result = result


def import_file(con: duckdb.DuckDBPyConnection, path: str | Path, fmt: str | None = None, *,
                encoding: str | None = None, rows: int | None = None,
                suppressor: Suppressor | None = None) -> ImportResult:
    """Import a Mentions JSONL v1 or CSV file and record it as an import run; return what it did.

    The file is read in chunks of `rows` rows (default mentions_file.CHUNK_ROWS), each stored in its own transaction and
    keyed on (platform, id): a run stopped part-way keeps what it stored, and running it again completes it
    with exactly the rows of one clean run. Bad rows are skipped and reported as file:line. The run record is
    written first as 'running' and kept in step with each chunk; a run that raises is recorded 'failed' (or
    'interrupted' on Ctrl-C), one killed outright is marked 'interrupted' when the next import starts. Rows on
    the suppression list (`suppressor`, needed once the list holds anything) are left out and counted."""
    path = Path(path)
    fmt = detect_format(path, fmt)
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    result = ImportResult(path)
    outcome = SourceOutcome(source=f"import:{path.name}", status="running", started_at=utcnow())
    with transaction(con):
        close_interrupted(con, "import")
        result.run_id = start_run(con, "import")
        record_source(con, result.run_id, outcome)
    try:
        for chunk in read_mentions(path, fmt, encoding=encoding, rows=rows):
            with transaction(con):
                rejected = chunk.stage(con)
                new, updated, suppressed = store_staged(con, source=outcome.source, now=outcome.started_at,
                                                        suppressor=suppressor)
                result.add(chunk, new, updated, rejected, suppressed)
                _count(outcome, result)
                record_source(con, result.run_id, outcome)
            del chunk  # its rows are stored: free them before the next chunk is read
    except UserError as exc:
        # The file cannot be read on (an unclosed quote, say): what came before the problem is stored.
        outcome.status = "failed"
        _finish(con, result, outcome, str(exc))
        if not result.read:
            raise
        raise ImportStopped(f"{exc} (before it: {result.read:,} rows read, {result.new:,} new, {result.updated:,} "
                            f"updated, {result.skipped:,} skipped)", result) from None
    except BaseException as exc:
        outcome.status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        _finish(con, result, outcome, f"{exc.__class__.__name__}: {exc}")
        raise
    outcome.status = "partial" if result.skipped else "ok"
    _finish(con, result, outcome)
    return result


def _count(outcome: SourceOutcome, result: ImportResult) -> None:
    outcome.fetched, outcome.new, outcome.updated = result.read, result.new, result.updated
    outcome.skipped, outcome.suppressed = result.skipped, result.suppressed
    outcome.error = _summary(result, None)


def _finish(con: duckdb.DuckDBPyConnection, result: ImportResult, outcome: SourceOutcome,
            cause: str | None = None) -> None:
    _count(outcome, result)
    outcome.error = _summary(result, cause)
    outcome.finished_at = utcnow()
    # When the database itself failed, the record cannot be written: it stays 'running' with the counts of the
    # stored chunks, and the next import marks it 'interrupted'.
    with contextlib.suppress(duckdb.Error), transaction(con):
        record_source(con, result.run_id, outcome)
        finish_run(con, result.run_id, [outcome])


def _summary(result: ImportResult, cause: str | None) -> str | None:
    """Why the import stopped (if it did) and the first skipped rows, as one text for the run record."""
    lines = ([cause] if cause else []) + result.problems[:SHOWN_IN_RECORD]
    if result.skipped > SHOWN_IN_RECORD:
        lines.append(f"… and {result.skipped - SHOWN_IN_RECORD:,} more skipped rows")
    return "\n".join(lines) or None
