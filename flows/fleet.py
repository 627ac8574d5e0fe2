"""The nightly-fleet flow: one `nightly` deployment run per municipality config in a folder, run by whichever
workers serve the work pool (on any number of machines), then one table of how each ended."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.states import Failed, State

from flows.limits import ensure_limits
from luisterpost.fleet import read_fleet

NIGHTLY = "nightly/nightly"


@flow(name="nightly-fleet", log_prints=True)
def nightly_fleet(configs_dir: str, deployment: str = NIGHTLY, platform_limits: dict[str, int] | None = None,
                  poll_seconds: float = 10.0, max_hours: float = 6.0) -> list[dict] | State:
    """Start the `deployment` (default nightly/nightly) once per config in `configs_dir`, wait until every run
    has ended and return a row per municipality (config, municipality, run, state, message, minutes).

    The runs are only created here; workers pick them up, so they spread over every worker of the pool. One
    municipality's failure never stops the others. `platform_limits` (kind → slots, e.g. {"mastodon": 2})
    creates the platform limits that do not exist yet (flows/limits.py). The table is published as the
    artifact `nightly-fleet`. When any municipality failed (its config could not be read, its run failed or
    crashed, or it did not end within `max_hours`) the run ends Failed naming them, with the rows as data."""
    logger = get_run_logger()
    fleet = read_fleet(configs_dir)  # refuses two configs that share a database file, naming both
    if platform_limits:
        for name in ensure_limits(platform_limits):
            logger.info("created the concurrency limit %s", name)
    rows = {path: {"config": path.name, "municipality": path.stem, "run": "", "state": "NOT STARTED",
                   "message": reason.splitlines()[0], "minutes": None} for path, reason in fleet.broken.items()}
    started: dict[UUID, Path] = {}
    for path, config in fleet.configs.items():
        slug = config.municipality.slug
        run = run_deployment(deployment, parameters={"config_path": str(path.resolve())}, timeout=0,
                             flow_run_name=f"nightly-{slug}-{datetime.now():%Y%m%d-%H%M}", tags=["fleet", slug])
        started[run.id] = path
        rows[path] = {"config": path.name, "municipality": config.municipality.name, "run": run.name,
                      "state": "SCHEDULED", "message": "", "minutes": None}
    logger.info("%s nightly runs started, %s configs could not be read", len(started), len(fleet.broken))
    for run in wait_for(list(started), poll_seconds, max_hours * 3600):
        rows[started[run.id]].update(state_row(run))
    table = [rows[path] for path in sorted(rows)]
    failed = [row for row in table if row["state"] != "COMPLETED"]
    create_table_artifact(key="nightly-fleet", table=table,
                          description=f"{len(table) - len(failed)} of {len(table)} municipalities completed")
    if failed:
        return Failed(message=f"{len(failed)} of {len(table)} municipalities failed: "
                              + ", ".join(f"{row['municipality']} ({row['state'].lower()})" for row in failed),
                      data=table)
    return table


def wait_for(ids: list[UUID], poll_seconds: float, max_seconds: float) -> list[FlowRun]:
    """The flow runs `ids` once each has ended (or as they are when `max_seconds` have passed): one query per
    poll for all of them, however many."""
    deadline = time.monotonic() + max_seconds
    with get_client(sync_client=True) as client:
        while True:
            runs = read_runs(client, ids)
            if all(r.state and r.state.is_final() for r in runs) or time.monotonic() >= deadline:
                return runs
            time.sleep(poll_seconds)


def read_runs(client, ids: list[UUID]) -> list[FlowRun]:
    """The flow runs `ids`, read in pages (the API returns at most 200 a call)."""
    runs: list[FlowRun] = []
    for first in range(0, len(ids), 200):
        runs += client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids[first:first + 200])),
                                      limit=200)
    return runs


def state_row(run: FlowRun) -> dict:
    """How a municipality's run ended: its state, the first line of the state's message, minutes it ran."""
    state = run.state
    if state is None or not state.is_final():
        ended = f"NOT FINISHED ({state.name if state else 'no state'})"
    else:
        ended = state.type.value
    message = state.message if state and state.message else ""
    return {"state": ended, "message": message.splitlines()[0] if message else "",
            "minutes": round(run.total_run_time.total_seconds() / 60, 1) if run.total_run_time else None}
