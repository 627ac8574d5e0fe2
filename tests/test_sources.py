"""Every platform adapter against a recorded API on 127.0.0.1: pagination, watermarks, second runs, and the
internet's troubles (429 with Retry-After, 5xx, timeouts, malformed JSON, a changed schema)."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from luisterpost.config import Config
from luisterpost.harvest import harvest_source
from luisterpost.sources import build_source
from luisterpost.sources.listing import Coverage
from luisterpost.store.runs import SourceOutcome, get_watermarks
from tests.fakeapi import FakeApi, Reply
from tests.scenarios import SCENARIOS, Scenario

FAST = {"retries": 2, "backoff_seconds": 0.01, "timeout_seconds": 0.5}


def based(value: Any, api: FakeApi) -> Any:
    """`value` with "{base}" replaced by the server's URL (in text and lists of text)."""
    if isinstance(value, str):
        return value.replace("{base}", api.url)
    if isinstance(value, list):
        return [based(v, api) for v in value]
    if isinstance(value, dict):
        return {based(k, api): based(v, api) for k, v in value.items()}
    return value


def config_for(scenario: Scenario, api: FakeApi, **overrides: Any) -> Config:
    settings = {k: based(v, api) for k, v in scenario.settings.items()}
    table = {"kind": scenario.kind, "name": "src", "base_url": api.url, **FAST, **settings, **overrides}
    return Config.model_validate({
        "municipality": {"name": "Lindeveen"},
        "terms": {"names": ["Lindeveen"], "woonkernen": ["Oosterwolde"]},
        "sources": [table],
    })


def harvest(db: duckdb.DuckDBPyConnection, scenario: Scenario, api: FakeApi, monkeypatch: pytest.MonkeyPatch,
            waits: list[float] | None = None, **overrides: Any) -> SourceOutcome:
    """Harvest the scenario's source from `api`; with `waits`, its backoff and rate-limit waits are recorded
    there instead of slept."""
    for name, value in scenario.env.items():
        monkeypatch.setenv(name, value)
    config = config_for(scenario, api, **overrides)
    sleep = waits.append if waits is not None else None
    return harvest_source(db, build_source(config, config.sources[0], now=scenario.now, sleep=sleep))


def stored(db: duckdb.DuckDBPyConnection, platform: str) -> list[str]:
    return [r[0] for r in db.execute("SELECT id FROM mentions WHERE platform = ? ORDER BY id", [platform]).fetchall()]


def watermarks(db: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The source's watermarks, without its quota counters (those only grow): for a listing, the newest key it
    read without a hole below it down to its floor (what earlier versions stored), else "gap"."""
    found = {}
    for name, value in get_watermarks(db, "src").items():
        if name.startswith("quota:"):
            continue
        coverage = Coverage.parse(value) if value.startswith("{") else None
        if coverage is None:
            found[name] = value
        elif len(coverage.spans) == 1 and coverage.spans[0].end:
            found[name] = coverage.spans[0].hi
        else:
            found[name] = "gap"
    return found


def raw_ids(db: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in db.execute("SELECT id FROM raw_items ORDER BY id").fetchall()]


pytestmark = pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.kind for s in SCENARIOS])


def test_first_run_stores_every_item_once_with_raw_payload_and_watermarks(db, api, monkeypatch, scenario):
    scenario.serve(api)
    outcome = harvest(db, scenario, api, monkeypatch)
    assert outcome.status == "ok", outcome.error
    assert stored(db, scenario.platform) == sorted(scenario.ids)
    assert outcome.new == len(scenario.ids)
    # The raw payload is kept untouched, once per item.
    assert sorted(raw_ids(db)) == sorted(scenario.ids)
    assert watermarks(db) == based(scenario.watermarks, api)


def test_second_run_picks_up_only_what_is_new(db, api, monkeypatch, scenario):
    scenario.serve(api)
    harvest(db, scenario, api, monkeypatch)
    scenario.serve_more(api)
    again = harvest(db, scenario, api, monkeypatch)
    assert again.status == "ok", again.error
    assert again.new == len(scenario.new_ids)
    assert stored(db, scenario.platform) == sorted(scenario.ids | scenario.new_ids)
    assert db.execute("SELECT count(*) FROM raw_items").fetchall()[0][0] == len(scenario.ids | scenario.new_ids)


def test_429_with_retry_after_is_waited_out(db, api, monkeypatch, scenario):
    scenario.serve(api)
    path, params = scenario.paged
    api.inject(path, Reply({"error": "Too many requests"}, 429, {"Retry-After": "30"}), params=params)
    waits: list[float] = []
    outcome = harvest(db, scenario, api, monkeypatch, waits=waits)
    assert outcome.status == "ok", outcome.error
    assert stored(db, scenario.platform) == sorted(scenario.ids)
    tries = [r for r in api.hits(path) if all(r.params.get(k) == [v] for k, v in params.items())]
    assert len(tries) == 2
    assert waits == [30.0]  # honoured Retry-After: 30, and no other wait (the backoff is not added to it)


def test_5xx_and_timeouts_are_retried(db, api, monkeypatch, scenario):
    scenario.serve(api)
    path, params = scenario.paged
    api.inject(path, Reply({"error": "oops"}, 502), Reply(delay=1.0), params=params)
    outcome = harvest(db, scenario, api, monkeypatch)
    assert outcome.status == "ok", outcome.error
    assert stored(db, scenario.platform) == sorted(scenario.ids)


def test_a_page_that_keeps_failing_fails_the_source_and_the_next_run_fills_the_gap(db, api, monkeypatch, scenario):
    scenario.serve(api)
    path, params = scenario.paged
    api.inject(path, *[Reply({"error": "down"}, 503)] * 3, params=params)
    outcome = harvest(db, scenario, api, monkeypatch)
    # The query with the failing page failed; the source's other queries still ran.
    assert outcome.status in {"partial", "failed"}
    assert "HTTP 503 after 3 tries" in outcome.error
    assert [q.status for q in outcome.queries if q.status != "ok"] == ["failed"]
    first = set(stored(db, scenario.platform))
    assert first and first < scenario.ids  # what came before the failing page is kept
    assert watermarks(db) != based(scenario.watermarks, api)  # …but the watermark did not move past the gap
    again = harvest(db, scenario, api, monkeypatch)
    assert again.status == "ok", again.error
    assert stored(db, scenario.platform) == sorted(scenario.ids)  # nothing lost, nothing twice
    assert watermarks(db) == based(scenario.watermarks, api)


def test_malformed_json_is_a_clear_error_and_nothing_is_lost(db, api, monkeypatch, scenario):
    scenario.serve(api)
    path, params = scenario.paged
    api.inject(path, Reply('{"truncated": [', 200), params=params)
    outcome = harvest(db, scenario, api, monkeypatch)
    assert outcome.status in {"partial", "failed"}
    assert scenario.where in outcome.error and scenario.garbled in outcome.error
    assert [q.status for q in outcome.queries if q.status != "ok"] == ["failed"]
    again = harvest(db, scenario, api, monkeypatch)
    assert again.status == "ok", again.error
    assert stored(db, scenario.platform) == sorted(scenario.ids)


def test_changed_schema_skips_those_items_by_name_and_keeps_the_rest(db, api, monkeypatch, scenario):
    scenario.serve(api)
    path, params = scenario.paged
    route = next(r for r in api.routes if r.path == path and r.params == params)
    api.inject(path, Reply(scenario.broken(route.default.body), 200, route.default.headers), params=params)
    outcome = harvest(db, scenario, api, monkeypatch)
    assert outcome.status == "partial"
    for item_id in scenario.broken_ids:
        assert item_id in outcome.error and "cannot normalise" in outcome.error
    assert stored(db, scenario.platform) == sorted(scenario.ids - scenario.broken_ids)
    # The untouched payload is kept, so a fixed normaliser can read it again without harvesting.
    assert set(scenario.broken_ids) <= set(raw_ids(db))
