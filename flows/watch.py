"""The watch flow: every [watch] interval_minutes, read the sources marked `watch = true`, enrich what is new,
find hourly episodes in residents' posts and alert on them (luisterpost.watch; docs/operations.md, *Watch en
meldingen*). Every alert made is also a Prefect event `luisterpost.alert`, for automations to route."""

from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger
from prefect.events import emit_event
from prefect.states import Failed, State

from flows.limits import platform_slot
from flows.runtime import close_all, database, prefect_secret
from luisterpost.config import load_config
from luisterpost.watch.cycle import Cycle, run_cycle

EVENT = "luisterpost.alert"


@flow(name="watch", log_prints=True)
def watch(config_path: str | None = None, now: datetime | None = None) -> dict | State:
    """One watch cycle; return its summary (luisterpost.watch.cycle.Cycle.summary). When an alert could not be
    delivered to every URL the run ends Failed (message: which), with the summary as its data: the delivery is
    recorded as failed and the next cycle tries again."""
    logger = get_run_logger()
    config = load_config(config_path)
    try:
        cycle = run_cycle(database(config), config, secrets=prefect_secret, now=now, slot=platform_slot)
    finally:
        close_all()
    _log(logger, cycle)
    for told in cycle.alerts:
        emit_event(event=EVENT, resource={"prefect.resource.id": f"luisterpost.municipality.{config.municipality.slug}",
                                          "prefect.resource.name": config.municipality.name}, payload=told)
    summary = cycle.summary()
    failed = cycle.failed_deliveries
    if failed:
        return Failed(message=f"{len(failed)} alert deliver{'y' if len(failed) == 1 else 'ies'} failed: "
                              + "; ".join(d.error or d.label for d in failed[:3]), data=summary)
    return summary


def _log(logger, cycle: Cycle) -> None:
    if cycle.note:
        logger.info(cycle.note)
    for outcome in cycle.outcomes:
        logger.info("%s: %s, %s fetched, %s new", outcome.source, outcome.status, f"{outcome.fetched:,}",
                    f"{outcome.new:,}")
    logger.info("%s mentions enriched; %s recent episode(s); %s alert(s) made", cycle.enriched, cycle.events,
                len(cycle.alerts))
    for delivery in cycle.deliveries:
        if delivery.delivered:
            logger.info("alert delivered to %s", delivery.label)
        else:
            logger.warning("alert not delivered: %s (the next cycle tries again)", delivery.error)
