"""The nightly flow: harvest every configured source concurrently, enrich, and delete
what is older than the retention periods."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.states import Failed, State
from prefect.task_runners import ThreadPoolTaskRunner

from flows.limits import platform_slot
from flows.runtime import close_all, database, harvest_turn, prefect_secret
from luisterpost.config import Config, load_config
from luisterpost.errors import UserError
from luisterpost.enrich.run import enrich_pending, matcher_for, scorer_for
from luisterpost.harvest import harvest_source
from luisterpost.sources import build_source
from luisterpost.store.compact import compact
from luisterpost.store.encryption import database_key
from luisterpost.store.retention import purge
from luisterpost.store.runs import SourceOutcome, close_interrupted, finish_run, record_source, start_run, utcnow
from luisterpost.store.suppression import suppressor_of


# No task retries: the HTTP client already retries each request, and a query that still fails is recorded and
# continued from where it stopped by the next run (retrying the whole source would multiply the waits).
@task(task_run_name="harvest-{source_name}")
def harvest_one(config_path: str, source_name: str, now: datetime | None = None) -> SourceOutcome:
    """Harvest one source into the database; return its outcome."""
    logger = get_run_logger()
    config = load_config(config_path)
    settings = next(s for s in config.sources if s.source_name == source_name)
    source = build_source(config, settings, now=now, secrets=prefect_secret)
    db = database(config)
    with db.write() as con:
        suppressor = suppressor_of(config, con)

    def progress(outcome: SourceOutcome) -> None:
        logger.info("%s: %s mentions fetched, %s new", source_name, f"{outcome.fetched:,}", f"{outcome.new:,}")

    with platform_slot(settings.kind):  # municipalities share a platform's quota (flows/limits.py)
        outcome = harvest_source(db, source, on_batch=progress, now=now, suppressor=suppressor)
    if outcome.status == "skipped":
        logger.warning("%s: %s", source_name, outcome.error)
    elif outcome.error:
        for line in outcome.error.splitlines()[:5]:
            logger.warning("%s: %s", source_name, line)
    for line in outcome.behind:
        logger.info("%s: behind: %s", source_name, line)
    return outcome


# Harvesting waits on the network, not the CPU: enough threads that every source fetches at once.
@flow(name="nightly", task_runner=ThreadPoolTaskRunner(max_workers=16), log_prints=True)
def nightly(config_path: str | None = None, now: datetime | None = None) -> dict | State:
    """Harvest all sources, enrich new mentions and purge what is past retention;
    return the run's summary.

    The per-source table is published as the artifact `harvest-<municipality>`. When a source failed or was
    partial the run ends in the Failed state (message: which sources), with the summary as its data
    (`state.result(raise_on_failure=False)`): what was read is stored and enriched all the same.

    The database is held only for each write (store.access): commands and reports read it meanwhile. One run
    per municipality at a time (`harvest_turn`); a run that a crash left 'running' is marked interrupted."""
    config = load_config(config_path)
    with harvest_turn(config):
        try:
            return _nightly(config, str(config_path) if config_path else None, now)
        finally:
            close_all()


def _nightly(config: Config, config_path: str | None, now: datetime | None) -> dict | State:
    logger = get_run_logger()
    db = database(config)
    with db.write() as con:
        interrupted = close_interrupted(con, "harvest")
        run_id = start_run(con, "harvest")
    if interrupted:
        logger.warning("%s earlier harvest run(s) stopped part-way (the process ended): marked interrupted",
                       interrupted)
    names = [s.source_name for s in config.sources]
    futures = [harvest_one.submit(config_path, name, now) for name in names]
    outcomes: list[SourceOutcome] = []
    for name, future in zip(names, futures):
        state = future.wait() or future.state
        if state.is_completed():
            outcome = future.result()
        else:
            # Failed after its retries (or crashed): record why; the other sources carry on.
            try:
                future.result()
                error = state.message or "failed"
            except Exception as exc:  # noqa: BLE001
                error = f"{exc.__class__.__name__}: {exc}"
            outcome = SourceOutcome(source=name, status="failed", error=error, started_at=utcnow())
        outcomes.append(outcome)
        with db.write() as con:
            record_source(con, run_id, outcome)
    with db.write() as con:
        status = finish_run(con, run_id, outcomes)
    # After the harvest is stored: a model that cannot be loaded stops enrichment, never the harvest.
    scorer = scorer_for(config)
    with db.write() as con:
        enriched = enrich_pending(con, matcher_for(config), scorer)
    with db.write() as con:
        purged = purge(con, config, now=now)
    logger.info("harvest run %s: %s; %s mentions enriched; %s rows past retention deleted", run_id,
                status, enriched, f"{purged.total:,}")
    close_all()
    compacted = None
    if purged.total:
        # Only when something was deleted: the rewrite reads and writes the whole file.
        try:
            compacted = compact(config.database_path, database_key(config, prefect_secret)).seconds
        except UserError as exc:  # another process holds the file: the rows are gone, their bytes wait
            logger.warning("%s (run `luisterpost purge` later to rewrite the file)", exc)
    summary = {"run_id": run_id, "status": status, "enriched": enriched,
               "sources": [asdict(o) | {"behind": o.behind} for o in outcomes],
               "purged": asdict(purged), "compacted_seconds": compacted}
    create_table_artifact(key=f"harvest-{config.municipality.slug}", table=source_table(outcomes),
                          description=f"Harvest run {run_id} of {config.municipality.name}: {status}")
    troubled = [o for o in outcomes if o.status in ("failed", "partial")]
    if troubled:
        # Not Completed: an operator sees it in the UI and an automation can match on it (docs/operations.md).
        return Failed(message=f"harvest run {run_id} {status}: " + ", ".join(f"{o.source} {o.status}"
                                                                             for o in troubled), data=summary)
    return summary


def source_table(outcomes: list[SourceOutcome]) -> list[dict]:
    """One row per source for the run's artifact: status, counts, queries still behind, the first error line."""
    return [{"source": o.source, "status": o.status, "fetched": o.fetched, "new": o.new, "updated": o.updated,
             "skipped": o.skipped, "deleted": o.deleted, "behind": len(o.behind),
             "error": (o.error or "").splitlines()[0] if o.error else ""} for o in outcomes]
