"""The watch: a burst of posts at a fake platform becomes one alert at a webhook on 127.0.0.1, with the right
numbers and no secret; nothing new sends nothing; an escalation sends one more; a receiver that is down is
recorded, retried the next cycle, and `watch --once` exits 1. Real DuckDB files, real HTTP, real processes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import httpx
import polars as pl
import pytest

from luisterpost.alerts import label, redact, resolve
from luisterpost.config import Spikes, load_config
from luisterpost.errors import UserError
from luisterpost.harvest import harvest_source
from luisterpost.sources import build_source
from luisterpost.store.access import SharedFile, database_opener, sole_run
from luisterpost.watch import episodes
from luisterpost.watch.cycle import run_cycle
from luisterpost.watch.state import decision
from tests.fakeapi import FakeApi
from tests.prefect_server import prefect_server
from tests.watching import TOKEN, TOKEN_ENV, Burst, Receiver, angry, free_port, watch_config

BIN = Path(sys.executable).parent
KEY = "a test key that is long enough to be accepted"


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.setenv("LUISTERPOST_PSEUDONYM_KEY", KEY)
    monkeypatch.setenv("MASTODON_TOKEN", "mastodon-replay-token")


def _world(at: datetime, texts: list[str]) -> Burst:
    world = Burst()
    for text in texts:
        world.say(text, at, author=world.rng.choice(["anouk", "piet", "sanne", "henk"]))
    return world


@contextmanager
def _watching(write_config, posts: list[str], alert_url: str | None = None):
    """A platform that has just published `posts` (30 s ago), a receiver, and a config watching the one and
    alerting the other (or `alert_url`): yields the platform, the receiver, the config's path and the posts' time."""
    at = datetime.now(UTC) - timedelta(seconds=30)
    world = _world(at, posts)
    with FakeApi() as api, Receiver() as receiver:
        world.serve(api)
        yield world, receiver, write_config(watch_config(api.url, alert_url or receiver.url), municipality=False), at


def _cycle(config_path: Path, **kwargs):
    config = load_config(config_path)
    db = SharedFile(config.database_path, database_opener(config.database_path))
    try:
        return run_cycle(db, config, **kwargs)
    finally:
        db.close()


def _stored(config_path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(load_config(config_path).database_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_burst_is_alerted_once_with_its_numbers_and_no_secret(env, write_config, tmp_path):
    with _watching(write_config, angry(6, "Heikamp")) as (_, receiver, config, at):
        first = _cycle(config)
        assert [o.new for o in first.outcomes] == [6] and first.enriched == 6
        assert len(receiver.received) == 1 and not first.failed_deliveries
        alert = receiver.received[0]
        # The receiver's credential went in the header, nowhere else.
        assert receiver.headers[0].get("X-Token") == TOKEN
        message = alert["title"] + "\n" + alert["message"]
        assert TOKEN not in message
        assert "ernst 6/10" in alert["title"]  # 2·log2(6 / 1) ≈ 5 for both kinds, + 1 because both spiked
        assert "6,0× zoveel berichten als gewoonlijk" in message
        assert "6 berichten van inwoners, waarvan 100% negatief (6)" in message
        assert "Mastodon (6)" in message and "woonkernen: Heikamp" in message and "thema's: verkeer" in message
        assert "fietspad" in message.split("Woorden:")[1].splitlines()[0]
        local = at.astimezone(load_config(config).municipality.tz).replace(minute=0, second=0, microsecond=0)
        assert f"{local:%H:%M}" in message.split("Sinds:")[1].splitlines()[0]
        quotes = [line for line in message.splitlines() if line[:3] in ("1. ", "2. ", "3. ")]
        assert len(quotes) == 3 and all("inwoner-" in q for q in quotes)
        # No resident shown: no handle, no post URL, no phone number.
        for hidden in ("anouk", "piet", "sanne", "henk", "social.example", "06-12345678"):
            assert hidden not in message
        # The crisis brief was written with the alert, and the alert says where.
        brief = Path(message.split("crisisbrief: ")[1].splitlines()[0])
        assert brief.suffix == ".pdf" and brief.is_file() and brief.parent == load_config(config).resolve("out")
        text = subprocess.run(["pdftotext", str(brief), "-"], capture_output=True, text=True).stdout
        assert "Heikamp" in text and "anouk" not in text
        # The same cycle again: nothing new at the platform, nothing sent.
        second = _cycle(config)
        assert [o.new for o in second.outcomes] == [0] and second.alerts == [] and second.deliveries == []
        assert len(receiver.received) == 1
    rows = _stored(config, "SELECT label, status, attempts, last_error FROM alert_deliveries")
    assert rows == [(f"json://127.0.0.1:{receiver.port}", "delivered", 1, None)]
    stored = _stored(config, "SELECT title, body, facts::VARCHAR FROM alerts")
    assert TOKEN not in str(stored) and "anouk" not in str(stored)
    assert [(title, body) for title, body, _ in stored] == [(alert["title"], "")]  # delivered: its quotes go


def test_an_escalation_sends_one_more_and_then_nothing(env, write_config):
    with _watching(write_config, angry(16, "Heikamp")) as (world, receiver, config, at):
        assert len(_cycle(config).alerts) == 1
        assert "ernst 9/10" in receiver.received[0]["title"]
        # Five more in another woonkern: severity rises one point only, but the episode reaches Zandhoek.
        for text in angry(5, "Zandhoek"):
            world.say(text, at)
        wider = _cycle(config)
        assert [a["reason"] for a in wider.alerts] == ["breder"] and len(receiver.received) == 2
        assert wider.alerts[0]["woonkernen"] == ["Heikamp", "Zandhoek"] and wider.alerts[0]["posts"] == 21
        assert "Waarom nu: nu ook in woonkern Zandhoek." in receiver.received[1]["message"]
        assert _cycle(config).alerts == [] and len(receiver.received) == 2


def test_severity_up_by_two_sends_one_more(env, write_config):
    with _watching(write_config, angry(6, "Heikamp")) as (world, receiver, config, at):
        _cycle(config)
        for text in angry(10, "Heikamp"):
            world.say(text, at)
        worse = _cycle(config)
        assert [(a["reason"], a["severity"]) for a in worse.alerts] == [("ernstiger", 9)]
        assert "de ernst steeg van 6 naar 9" in receiver.received[1]["message"]
        assert len(receiver.received) == 2


def test_a_receiver_that_is_down_is_recorded_and_retried(env, write_config):
    port = free_port()
    url = f"json://127.0.0.1:{port}/hook?+X-Token={{secret:hook-token}}"
    with _watching(write_config, angry(6, "Heikamp"), url) as (_, __, config, ___):
        down = _cycle(config)
        assert len(down.alerts) == 1 and len(down.failed_deliveries) == 1
        assert down.failed_deliveries[0].attempts == 2  # the first try and one retry
        assert TOKEN not in (down.failed_deliveries[0].error or "")
        assert _stored(config, "SELECT status, attempts FROM alert_deliveries") == [("failed", 2)]
        assert _stored(config, "SELECT body <> '' FROM alerts") == [(True,)]  # kept until delivered
        with Receiver(port) as receiver:  # up again
            again = _cycle(config)
        assert again.alerts == [] and [d.delivered for d in again.deliveries] == [True]
        assert len(receiver.received) == 1 and "ernst 6/10" in receiver.received[0]["title"]
    assert _stored(config, "SELECT status, attempts FROM alert_deliveries") == [("delivered", 3)]


def test_while_the_nightly_harvests_the_watch_skips_its_harvest_and_still_alerts(env, write_config):
    with _watching(write_config, angry(6, "Heikamp")) as (world, receiver, config, _):
        loaded = load_config(config)
        with sole_run(loaded.database_path, "harvest", role="nightly"):
            # The nightly reads the source (as flows/nightly.py does) while it holds the turn.
            nightly_db = SharedFile(loaded.database_path, database_opener(loaded.database_path))
            assert harvest_source(nightly_db, build_source(loaded, loaded.sources[0])).new == 6
            nightly_db.close()
            asked = world.asked()
            skipped = _cycle(config)
        assert not skipped.harvested and "harvest skipped" in skipped.note and "nightly" in skipped.note
        assert skipped.outcomes == [] and world.asked() == asked  # the watch did not read the platform
        # What the nightly stored was enriched and analysed all the same: the burst is alerted.
        assert skipped.enriched == 6 and len(skipped.alerts) == 1 and len(receiver.received) == 1
        # The turn free again: the watch continues from the nightly's watermarks, nothing new to read.
        after = _cycle(config)
        assert after.harvested and [o.new for o in after.outcomes] == [0] and after.alerts == []


def _marked(rows: list[tuple[datetime, str, list[str], list[str]]]) -> pl.DataFrame:
    """Residents' posts as the watch reads them: (time, sentiment, themes, woonkernen) each."""
    return pl.DataFrame({
        "platform": ["mastodon"] * len(rows), "id": [str(n) for n in range(len(rows))],
        "created_at": [r[0] for r in rows], "author_handle": [f"inwoner{n % 7}" for n in range(len(rows))],
        "author_followers": [100] * len(rows),
        "text": ["De container in Zandhoek is vol, overal afval" if r[3] else "Mooie markt vandaag" for r in rows],
        "likes": [1] * len(rows), "reposts": [0] * len(rows), "replies": [0] * len(rows), "quotes": [0] * len(rows),
        "sentiment_label": [r[1] for r in rows], "themes": [r[2] for r in rows], "woonkernen": [r[3] for r in rows],
        "is_own": [False] * len(rows),
    }, schema_overrides={"created_at": pl.Datetime("us", "UTC"), "themes": pl.List(pl.String),
                         "woonkernen": pl.List(pl.String)})


def test_episode_numbers_on_given_rows():
    burst = datetime(2026, 11, 20, 13, tzinfo=UTC)  # 14:00 in Amsterdam
    quiet = [(burst - timedelta(hours=h, minutes=m), "neutraal", [], []) for h in range(1, 8 * 24 + 7) for m in (10, 40)]
    loud = [(burst + timedelta(minutes=5 + n), "negatief" if n < 9 else "neutraal", ["afval"], ["Zandhoek"])
            for n in range(12)]
    marked = _marked(quiet + loud)
    now = burst + timedelta(minutes=30)
    found = episodes.found(marked, now, "Europe/Amsterdam", Spikes(min_posts_hour=5), recent_hours=6)
    # All posts: 12 against 2 an hour (×6, severity round(2·log2 6) = 5); negative: 9 against 0 (×9, 6).
    # Theme afval and woonkern Zandhoek: 12 against 0 (severity round(2·log2 12) = 7) and 9 against 0 (6).
    assert sorted((e["scope"], e["kind"], e["factor"], e["severity"]) for e in found) == [
        (("", ""), "negativity", 9.0, 6), (("", ""), "volume", 6.0, 5),
        (("theme", "afval"), "negativity", 9.0, 6), (("theme", "afval"), "volume", 12.0, 7),
        (("woonkern", "Zandhoek"), "negativity", 9.0, 6), (("woonkern", "Zandhoek"), "volume", 12.0, 7)]
    [spike] = episodes.events(found)
    assert (spike["severity"], spike["volume_factor"], spike["negativity_factor"]) == (8, 6.0, 9.0)  # 7 + 1: both kinds
    assert (spike["woonkernen"], spike["themes"]) == (["Zandhoek"], ["afval"])
    told = episodes.describe(spike, marked, frozenset({"zandhoek"}), "Europe/Amsterdam")
    assert (told["posts"], told["negative_posts"], told["negative_share"]) == (12, 9, 0.75)
    assert told["start_local"].strftime("%H:%M") == "14:00" and told["platforms"] == {"mastodon": 12}
    assert told["top_terms"][:2] == ["afval", "container"] and told["top_posts"].height == 3
    # An hour later than `recent_hours` after it ended, the episode is no longer watched.
    assert episodes.found(marked, burst + timedelta(hours=8), "Europe/Amsterdam", Spikes(min_posts_hour=5), 6) == []


def test_alert_rules_on_given_episodes():
    spike = {"severity": 5, "woonkernen": ["Heikamp"], "themes": ["verkeer"]}
    assert decision(spike, None, 4) == "nieuw"
    assert decision({**spike, "severity": 3}, None, 4) is None
    before = {"severity": 5, "woonkernen": ["Heikamp"], "themes": ["verkeer"]}
    assert decision({**spike, "severity": 6}, before, 4) is None
    assert decision({**spike, "severity": 7}, before, 4) == "ernstiger"
    assert decision({**spike, "themes": ["verkeer", "afval"]}, before, 4) == "breder"
    assert decision({**spike, "woonkernen": []}, before, 4) is None


def test_secret_placeholders_are_filled_at_send_time_and_never_shown(monkeypatch):
    monkeypatch.setenv("HOOK_TOKEN", TOKEN)
    url = "json://127.0.0.1:8080/hook?+X-Token={secret:hook-token}"
    full, values = resolve(url, None)
    assert full.endswith(TOKEN) and values == [TOKEN]
    assert label(url) == "json://127.0.0.1:8080" and label("mailtos://user:{secret:pw}@mail.example") == "mailtos://mail.example"
    assert redact(f"failed for {full}", [full, TOKEN]) == "failed for ***"
    monkeypatch.delenv("HOOK_TOKEN")
    with pytest.raises(Exception, match="HOOK_TOKEN"):
        resolve(url, lambda name: None)


def test_a_password_in_an_alert_url_is_refused(write_config):
    config = write_config('[alerts]\nurls = ["mailtos://ik:geheim@mail.example"]\n')
    with pytest.raises(UserError, match=r"alerts.urls: \[0\]: holds a password"):
        load_config(config)


def test_the_nightly_waits_for_a_watch_but_not_for_another_nightly(tmp_path):
    path = tmp_path / "x.duckdb"
    script = ("import sys, time; from pathlib import Path; from luisterpost.store.access import sole_run\n"
              "with sole_run(Path(sys.argv[1]), 'harvest', role=sys.argv[2]):\n"
              "    print('held', flush=True); time.sleep(float(sys.argv[3]))\n")
    holder = subprocess.Popen([sys.executable, "-c", script, str(path), "watch", "2"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        told = []
        started = time.monotonic()
        with sole_run(path, "harvest", role="nightly", wait=60, wait_for=("watch",), on_wait=told.append):
            waited = time.monotonic() - started
        assert 0.5 < waited < 30 and len(told) == 1 and "watch harvest" in told[0]
    finally:
        holder.wait(timeout=30)
    holder = subprocess.Popen([sys.executable, "-c", script, str(path), "nightly", "5"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(UserError, match=r"running \(process \d+, nightly\)"):
            with sole_run(path, "harvest", role="nightly", wait=60, wait_for=("watch",)):
                pass
        assert time.monotonic() - started < 2  # another nightly: stops at once
        # A watch finds the turn taken and is told so at once too.
        with pytest.raises(UserError, match="another harvest"):
            with sole_run(path, "harvest", role="watch"):
                pass
    finally:
        holder.kill()
        holder.wait()


def _watch_once(config: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "luisterpost"), "--config", str(config), "watch", "--once"], capture_output=True,
                          text=True, env=env, timeout=300)


@pytest.mark.slow
def test_watch_once_exits_1_while_the_receiver_is_down_and_delivers_and_emits_when_it_is_back(write_config, tmp_path):
    with prefect_server(tmp_path / "prefect-server") as (api, client_env):
        env = {**client_env, "LUISTERPOST_PSEUDONYM_KEY": KEY, TOKEN_ENV: TOKEN, "MASTODON_TOKEN": "mastodon-replay-token"}
        port = free_port()
        url = f"json://127.0.0.1:{port}/hook?+X-Token={{secret:hook-token}}"
        with _watching(write_config, angry(6, "Heikamp"), url) as (_, __, config, ___):
            down = _watch_once(config, env)
            assert down.returncode == 1, down.stderr[-3000:]
            assert f"not delivered: json://127.0.0.1:{port}:" in down.stdout and "Traceback" not in down.stderr
            with Receiver(port) as receiver:
                back = _watch_once(config, env)
                quiet = _watch_once(config, env)
        events = _events(api, "luisterpost.alert")
    assert back.returncode == 0, back.stderr[-3000:]
    assert f"delivered to json://127.0.0.1:{port}" in back.stdout
    assert quiet.returncode == 0 and "0 alert(s)" in quiet.stdout and "delivered" not in quiet.stdout
    assert len(receiver.received) == 1 and receiver.headers[0].get("X-Token") == TOKEN
    assert "6 berichten van inwoners" in receiver.received[0]["message"]
    for run in (down, back, quiet):
        assert TOKEN not in run.stdout + run.stderr
    # The alert was made once (in the first cycle; later cycles only delivered it): one event, for automations.
    assert len(events) == 1
    assert events[0]["resource"]["prefect.resource.id"] == "luisterpost.municipality.lindeveen"
    payload = events[0]["payload"]
    assert (payload["severity"], payload["posts"], payload["woonkernen"]) == (6, 6, ["Heikamp"])
    assert TOKEN not in json.dumps(events[0]) and "anouk" not in json.dumps(events[0])


def _events(api: str, name: str) -> list[dict]:
    """The events of this name the server stored (it stores them a moment after they arrive)."""
    deadline = time.monotonic() + 60
    while True:
        answer = httpx.post(f"{api}/events/filter", json={"filter": {"event": {"name": [name]}}, "limit": 50}).json()
        if answer.get("events") or time.monotonic() > deadline:
            return answer.get("events", [])
        time.sleep(1)


def test_alerts_are_deleted_with_the_posts_past_retention(tmp_path):
    from luisterpost.config import Config
    from luisterpost.store import open_db
    from luisterpost.store.retention import purge
    from luisterpost.watch.state import record_alert

    config = Config.model_validate({"municipality": {"name": "Lindeveen"}, "base_dir": tmp_path})
    con = open_db()
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    for created in (datetime(2024, 9, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)):
        spike = {"start": created, "until": created + timedelta(hours=1), "severity": 5, "woonkernen": [], "themes": []}
        record_alert(con, spike, None, "nieuw", "titel", "tekst", {}, created)
    assert purge(con, config, now=now).alerts == 1  # before 1 October 2024: 25 months
    assert con.execute("SELECT count(*) FROM alerts").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM watch_episodes").fetchall() == [(1,)]
