"""One watch cycle, as plain steps: harvest the watched sources (when the harvest turn is free), enrich what is
new, find the recent hourly episodes, alert on new and escalating ones, deliver what is still undelivered.

The database is held only for each step (store.access), so the nightly, commands and reports work in between.
The harvest turn is the nightly's too: a cycle that finds the nightly harvesting skips its own harvest (the
nightly reads those sources anyway) and still analyses what is stored."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..alerts import Delivery, send
from ..config import Config
from ..enrich.run import enrich_pending, matcher_for, scorer_for
from ..errors import UserError
from ..harvest import harvest_source
from ..metrics.compute import LOADED_COLUMNS, settings_of
from ..metrics.load import load_mentions
from ..metrics.privacy import pseudonymiser_of
from ..metrics.webcare import mark_own
from ..sources import build_source
from ..sources.base import SecretLookup
from ..store.access import Database, sole_run
from ..store.runs import SourceOutcome, close_interrupted, finish_run, record_source, start_run, utcnow
from ..store.suppression import suppressor_of
from . import episodes, state
from .crisisbrief import write_crisis_brief
from .message import compose, leads

RESEND_DAYS = 1  # an alert without a delivery row to a URL (added since, or a cycle that stopped) is sent this long


@dataclass
class Cycle:
    """What one watch cycle did."""

    harvested: bool = False  # the watched sources were read (false: none marked, or the nightly holds the turn)
    note: str | None = None  # why not, in words
    outcomes: list[SourceOutcome] = field(default_factory=list)
    enriched: int = 0
    events: int = 0  # recent events found, alerted or not
    alerts: list[dict[str, Any]] = field(default_factory=list)  # the alerts made this cycle: their facts
    deliveries: list[Delivery] = field(default_factory=list)  # every delivery tried this cycle

    @property
    def failed_deliveries(self) -> list[Delivery]:
        return [d for d in self.deliveries if not d.delivered]

    def summary(self) -> dict[str, Any]:
        """The cycle as plain data (a flow's result)."""
        return {"harvested": self.harvested, "note": self.note, "enriched": self.enriched, "events": self.events,
                "sources": [{"source": o.source, "status": o.status, "fetched": o.fetched, "new": o.new,
                             "error": o.error} for o in self.outcomes],
                "alerts": self.alerts,
                "deliveries": [{"target": d.target, "label": d.label, "delivered": d.delivered, "attempts": d.attempts,
                                "error": d.error} for d in self.deliveries]}


def watched(config: Config) -> list[Any]:
    """The [[sources]] tables marked `watch = true`."""
    return [s for s in config.sources if getattr(s, "watch", False)]


def harvest_watched(db: Database, config: Config, *, secrets: SecretLookup | None = None, now: datetime | None = None,
                    slot: Callable[[str], contextlib.AbstractContextManager[Any]] | None = None) -> Cycle:
    """Read the watched sources from where the last harvest left off (their watermarks; conversations of young
    posts are not read again: that is the nightly's), within their limits
    (`slot`: a platform's shared quota), as a harvest run of kind 'watch'; return the cycle so far. When another
    harvest holds the turn, nothing is read and `note` says why."""
    cycle = Cycle()
    chosen = watched(config)
    if not chosen:
        cycle.note = "no source has watch = true"
        return cycle
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(sole_run(config.database_path, "harvest", role="watch"))
        except UserError as exc:
            cycle.note = f"harvest skipped: {exc}"
            return cycle
        with db.write() as con:
            close_interrupted(con, "watch")  # we hold the turn: no other watch runs
            run_id = start_run(con, "watch")
            suppressor = suppressor_of(config, con)
        for settings in chosen:
            # Only what is new: reading young posts' conversations again, many requests a cycle, is the nightly's.
            source = build_source(config, settings.model_copy(update={"revisit_days": 0}), now=now, secrets=secrets)
            with slot(settings.kind) if slot else contextlib.nullcontext():
                outcome = harvest_source(db, source, now=now, suppressor=suppressor)
            cycle.outcomes.append(outcome)
            with db.write() as con:
                record_source(con, run_id, outcome)
        with db.write() as con:
            finish_run(con, run_id, cycle.outcomes)
    cycle.harvested = True
    return cycle


def recent_events(db: Database, config: Config, now: datetime) -> list[dict[str, Any]]:
    """The events of the recent hourly episodes (watch.episodes), each described (posts, terms, lead posts)."""
    start, end = episodes.window(now, config.watch.recent_hours)
    with db.read() as con:
        frame = load_mentions(con, start, end)
    settings = settings_of(config)
    marked = mark_own(frame.select(LOADED_COLUMNS), settings.own_handles)
    tz = config.municipality.timezone
    found = episodes.found(marked, now, tz, config.spikes, config.watch.recent_hours)
    return [episodes.describe(e, marked, settings.own_words, tz) for e in episodes.events(found)]


def facts(config: Config, spike: dict[str, Any], reason: str, brief: str | None) -> dict[str, Any]:
    """An alert's numbers, without any post or person: for the database and the Prefect event."""
    return {"municipality": config.municipality.name, "slug": config.municipality.slug,
            "reason": reason, "severity": int(spike["severity"]), "kinds": list(spike["kinds"]),
            "start": spike["start"].isoformat(), "posts": spike["posts"], "negative_posts": spike["negative_posts"],
            "negative_share": round(float(spike["negative_share"]), 4),
            "volume_factor": spike["volume_factor"], "negativity_factor": spike["negativity_factor"],
            "platforms": spike["platforms"], "woonkernen": spike["woonkernen"], "themes": spike["themes"],
            "top_terms": spike["top_terms"], "crisis_brief": brief}


def make_alerts(db: Database, config: Config, events: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Store an alert for every event that is new (and severe enough) or escalated since its last alert
    (watch.state.decision); return their facts (`facts`, with the alert_id). Events not alerted keep their
    episode's end up to date."""
    made = []
    privacy = None
    for spike in events:
        with db.write() as con:
            before = state.alerted(con, spike["start"], spike["until"])
            reason = state.decision(spike, before, config.alerts.min_severity)
            if reason is None:
                if before is not None:
                    state.extend(con, before["episode_id"], spike["until"])
                continue
        privacy = privacy or pseudonymiser_of(config)
        brief_path = write_crisis_brief(db, config, spike)
        brief = str(brief_path) if brief_path else None
        quotes = leads(spike["top_posts"], privacy, config.own_handles(), config.municipality.timezone)
        title, body = compose(config.municipality.name, spike, reason, before, quotes, brief)
        told = facts(config, spike, reason, brief)
        with db.write() as con:
            alert_id = state.record_alert(con, spike, before, reason, title, body, told, now)
        made.append({"alert_id": alert_id, **told})
    return made


def deliver(db: Database, config: Config, now: datetime, *, secrets: SecretLookup | None = None,
            sender: Callable[..., Delivery] = send) -> list[Delivery]:
    """Send every alert still undelivered to each URL (new, failed before) and record how it went; then empty
    the text of the alerts delivered everywhere (watch.state.settle). Return the deliveries tried."""
    urls = config.alerts.urls
    with db.read() as con:
        pending = state.undelivered(con, len(urls), now - timedelta(days=RESEND_DAYS)) if urls else []
    tried = []
    for alert_id, target, title, body in pending:
        delivery = sender(target, urls[target], title, body, secrets=secrets, retries=config.alerts.retries,
                          backoff=config.alerts.backoff_seconds)
        with db.write() as con:
            state.record_delivery(con, alert_id, delivery, utcnow())
        tried.append(delivery)
    with db.write() as con:
        state.settle(con, len(urls))
    return tried


def run_cycle(db: Database, config: Config, *, secrets: SecretLookup | None = None, now: datetime | None = None,
              slot: Callable[[str], contextlib.AbstractContextManager[Any]] | None = None,
              sender: Callable[..., Delivery] = send) -> Cycle:
    """One whole cycle (see the module's docstring); return what it did. `now`: the moment watched (default:
    the clock's)."""
    cycle = harvest_watched(db, config, secrets=secrets, now=now, slot=slot)
    now = now or utcnow()
    with db.write() as con:
        cycle.enriched = enrich_pending(con, matcher_for(config), scorer_for(config))
    events = recent_events(db, config, now)
    cycle.events = len(events)
    cycle.alerts = make_alerts(db, config, events, now)
    cycle.deliveries = deliver(db, config, now, secrets=secrets, sender=sender)
    return cycle

