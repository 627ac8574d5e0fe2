"""Metrics on given rows → expected figures, through a real DuckDB."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from luisterpost.importer import import_file
from luisterpost.metrics.compute import Filters, Settings, comparisons, compute_frames, load_window, prepare
from luisterpost.metrics.period import Period
from luisterpost.metrics.privacy import Pseudonymiser
from luisterpost.schedule import business_calendar, parse_schedule

from .conftest import store_enrichment

AMS = ZoneInfo("Europe/Amsterdam")
OWN = {"mastodon": {"gemeentex"}, "facebook": {"gemeentex"}}
SETTINGS = Settings(OWN, business_calendar(parse_schedule("mon-fri 08:30-17:00"), AMS, "NL", []), 72, 4, top=3)
OCTOBER = Period.month(2026, 10, AMS)


def row(id, when, author, label, themes=(), places=(), platform="mastodon", reply_to=None, text="", **extra):
    return {"mention": {"platform": platform, "id": id, "created_at": when, "author_handle": author,
                        "text": text or f"bericht {id}", **({"in_reply_to_id": reply_to} if reply_to else {}), **extra},
            "label": label, "themes": list(themes), "places": list(places)}


def load(db, tmp_path, rows):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r["mention"]) for r in rows), encoding="utf-8")
    assert import_file(db, path).problems == []
    for r in rows:
        m = r["mention"]
        store_enrichment(db, m["platform"], m["id"], r["label"], r["themes"], r["places"],
                         question=r.get("question", False), complaint=r.get("complaint", False))


def figures(db, period=OCTOBER, filters=Filters(), privacy=None):
    marked, timed = prepare(load_window(db, period, 72), SETTINGS)
    return compute_frames(marked, timed, period, SETTINGS, filters, privacy, comparisons(db, SETTINGS, period, filters))


ROWS = [
    # October 2026: 4 resident posts (2 pos, 1 neu, 1 neg), 2 own posts (a broadcast and a reply).
    row("1", "2026-10-05T10:00:00+02:00", "anouk", "positief", ["afval"], ["Heikamp"], likes=4, reposts=1,
        author_followers=100),
    row("2", "2026-10-05T11:00:00+02:00", "bas", "negatief", ["afval", "verkeer"], [], text="@gemeentex gat",
        author_followers=50, views=1000),
    row("3", "2026-10-12T12:00:00+02:00", "anouk", "positief", ["groen"], ["Heikamp"], author_followers=120),
    row("4", "2026-10-13T09:00:00+02:00", "carla", "neutraal", [], [], platform="facebook", author_followers=20000),
    row("5", "2026-10-05T08:00:00+02:00", "gemeentex", "neutraal", [], [], author_followers=3000),
    row("6", "2026-10-05T11:30:00+02:00", "GemeenteX", "neutraal", [], [], reply_to="2",
        text="@bas we komen kijken", author_followers=3000),
    # September 2026: one negative resident post; October 2025: one positive.
    row("7", "2026-09-10T10:00:00+02:00", "dirk", "negatief", ["afval"], []),
    row("8", "2025-10-10T10:00:00+02:00", "eva", "positief", [], []),
]


def test_volume_reputation_and_changes(db, tmp_path):
    load(db, tmp_path, ROWS)
    result = figures(db)
    assert {k: result[k] for k in ("mentions", "unique_authors", "own_posts", "own_share")} == {
        "mentions": 6, "unique_authors": 4, "own_posts": 2, "own_share": 2 / 6}
    assert {k: result[k] for k in ("labelled", "positive", "neutral", "negative", "net_sentiment", "reputation_index")} == {
        "labelled": 4, "positive": 2, "neutral": 1, "negative": 1, "net_sentiment": 1 / 3, "reputation_index": 25.0}
    previous = result["change"]["previous_period"]
    assert (previous["mentions"], previous["net_sentiment"], previous["reputation_index"]) == (1, -1.0, -100.0)
    assert previous["net_sentiment_change"] == pytest.approx(4 / 3)
    assert previous["mentions_change"] == 5.0
    year = result["change"]["year_earlier"]
    assert (year["mentions"], year["net_sentiment"], year["net_sentiment_change"]) == (1, 1.0, pytest.approx(-2 / 3))


def test_reach_engagement_and_impressions(db, tmp_path):
    load(db, tmp_path, ROWS)
    result = figures(db)
    # followers 100 + 50 + 120 + 20000 + 3000 + 3000; unique authors: anouk 120, bas 50, carla 20000, gemeentex 3000
    assert result["reach"] == {"potential_reach": 26270, "unique_author_reach": 23170, "engagement": 5,
                               "earned_impressions": 1000 + 0.1 * (100 + 120 + 20000 + 3000 + 3000)}
    assert [r["id"] for r in result["top_posts_by_reach"].to_dicts()] == ["4", "5", "6"]
    assert result["top_posts_by_engagement"].to_dicts()[0]["id"] == "1"
    # Residents are never ranked per person: only own and public (≥ 10,000 followers) accounts, and groups.
    assert [(r["author"], r["mentions"]) for r in result["top_authors"].to_dicts()] == [("gemeentex", 2), ("carla", 1)]
    assert result["author_groups"].rows() == [("own", 1, 2, 0), ("public", 1, 1, 0), ("residents", 2, 3, 1)]


def test_zenden_vs_luisteren(db, tmp_path):
    load(db, tmp_path, ROWS)
    assert figures(db)["broadcasting"] == {
        "own_posts": 2, "measured": 2, "broadcasts": 1, "replies": 1, "broadcast_share": 0.5, "reply_share": 0.5,
        "outside_office_hours": 1, "outside_office_hours_share": 0.5,  # 08:00 is before opening
        "not_measured": [], "reason": None}


def test_breakdowns_count_a_mention_for_each_of_its_themes(db, tmp_path):
    load(db, tmp_path, ROWS)
    result = figures(db)
    by_theme = {r["theme"]: r for r in result["by_theme"].to_dicts()}
    assert {t: (r["mentions"], r["negative_share"], r["cases"]) for t, r in by_theme.items()} == {
        "afval": (2, 0.5, 1), "verkeer": (1, 1.0, 1), "groen": (1, 0.0, 0)}
    assert by_theme["afval"]["response_rate"] == 1.0
    by_platform = {r["platform"]: (r["mentions"], r["cases"]) for r in result["by_platform"].to_dicts()}
    assert by_platform == {"mastodon": (5, 1), "facebook": (1, None)}  # no thread information on Facebook
    assert [(r["woonkern"], r["mentions"]) for r in result["by_woonkern"].to_dicts()] == [("Heikamp", 2)]


def test_filters_restrict_mentions_and_cases(db, tmp_path):
    load(db, tmp_path, ROWS)
    afval = figures(db, filters=Filters(theme="afval"))
    assert (afval["mentions"], afval["response"]["cases"], afval["net_sentiment"]) == (2, 1, 0.0)
    facebook = figures(db, filters=Filters(platform="facebook"))
    # Facebook's only post carries no thread information: its response cannot be measured (not 0%).
    assert (facebook["mentions"], facebook["response"]["cases"], facebook["response"]["rate"]) == (1, None, None)
    assert facebook["response"]["reason"].startswith("no thread information")


def test_series_by_day_week_and_month(db, tmp_path):
    load(db, tmp_path, ROWS)
    result = figures(db)
    weekly = result["series"]["weekly"].select("start", "mentions", "cases", "response_rate").rows()
    assert weekly == [(date(2026, 10, 5), 4, 1, 1.0), (date(2026, 10, 12), 2, 0, None)]
    assert result["series"]["monthly"].select("start", "mentions").rows() == [(date(2026, 10, 1), 6)]
    assert result["series"]["daily"].height == 3


def test_residents_are_pseudonymised_but_own_and_public_accounts_are_not(db, tmp_path):
    load(db, tmp_path, ROWS)
    privacy = Pseudonymiser(b"secret", public_followers=10_000)
    result = figures(db, privacy=privacy)
    authors = [r["author"] for r in result["top_posts_by_reach"].to_dicts()]
    assert authors == ["carla", "gemeentex", "gemeentex"]  # carla has 20,000 followers
    [resident] = {r["author"] for r in result["top_posts_by_engagement"].to_dicts() if r["id"] == "1"}
    assert resident == privacy.pseudonym("mastodon", "anouk")
    assert resident.startswith("inwoner-") and len(resident) == len("inwoner-") + 8
    posts = {r["id"]: r for r in result["top_posts_by_reach"].to_dicts()}
    assert posts["6"]["text"] == f"@{privacy.pseudonym('mastodon', 'bas')} we komen kijken"
    # Stable across runs with the same key; different with another key.
    assert privacy.pseudonym("mastodon", "anouk") == Pseudonymiser(b"secret").pseudonym("mastodon", "anouk")
    assert privacy.pseudonym("mastodon", "anouk") != Pseudonymiser(b"other").pseudonym("mastodon", "anouk")


def test_metrics_command_prints_one_json_object(write_config, tmp_path):
    config = write_config('[accounts]\nmastodon = ["gemeentex"]\n')
    rows = tmp_path / "rows.jsonl"
    rows.write_text("\n".join(json.dumps(r["mention"]) for r in ROWS), encoding="utf-8")
    run = [sys.executable, "-m", "luisterpost", "--config", str(config)]
    subprocess.run(run + ["import", str(rows)], check=True, capture_output=True)
    result = subprocess.run(run + ["metrics", "--from", "2026-10-01", "--to", "2026-10-31", "--json"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["mentions"] == 6 and data["response"]["cases"] == 1 and data["response"]["answered"] == 1
    assert data["net_sentiment"] is None  # nothing is enriched until a harvest runs
    assert set(data["response"]["first_response_business_minutes"]) == {"median", "p90", "mean"}
    assert data["response"]["first_response_minutes"]["median"] == 30.0
    assert data["response"]["within_norm_share"] == 1.0
    bad = subprocess.run(run + ["metrics", "--from", "2026-10-31", "--to", "2026-10-01"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--to 2026-10-01 is before --from 2026-10-31" in bad.stderr


def test_peer_benchmark_per_10000_inhabitants(write_config, tmp_path):
    from luisterpost.config import load_config
    from luisterpost.metrics.compute import compute
    from luisterpost.store import open_db

    peer_dir = tmp_path / "peer"
    peer_dir.mkdir()
    (peer_dir / "peer.toml").write_text(
        '[municipality]\nname = "Zwolle"\ncbs_code = "GM0193"\n[accounts]\nmastodon = ["gemeentex"]\n', encoding="utf-8")
    config = load_config(write_config(
        'peers = ["peer/peer.toml", "missing.toml"]\n'
        '[municipality]\nname = "Lindeveen"\npopulation = 50000\n[accounts]\nmastodon = ["gemeentex"]\n',
        municipality=False))
    for cfg, rows in ((config, ROWS[:4]), (load_config(peer_dir / "peer.toml"), ROWS[:2])):
        con = open_db(cfg.database_path)
        load(con, tmp_path, rows)
        con.close()
    con = open_db(config.database_path)
    result = compute(con, config, OCTOBER)
    me, peer, missing = result["peers"]
    assert (me["municipality"], me["population"], me["population_source"], me["mentions"]) == ("Lindeveen", 50000, "config", 4)
    assert me["mentions_per_10k"] == 4 / 50000 * 10_000
    zwolle = 129791  # CBS, 1 January 2021
    assert (peer["municipality"], peer["population"], peer["population_source"]) == ("Zwolle", zwolle, "CBS 2021")
    assert peer["mentions_per_10k"] == pytest.approx(2 / zwolle * 10_000)
    # The peer's two posts carry no thread information: its response cannot be measured (none, not 0%).
    assert (peer["response_rate"], peer["net_sentiment"]) == (None, 0.0)
    assert missing["error"].endswith("missing.toml: config file not found")
    # The report's comparison section shows the same rows, Dutch formatted.
    from luisterpost.report.render import render_report

    html = render_report(con, config, OCTOBER, tmp_path / "out", formats=("html",))[0].html.read_text(encoding="utf-8")
    section = html.split('id="vergelijking"')[1].split("</section>")[0]
    assert "Zwolle" in section and "129.791" in section and "50.000" in section and "0,8" in section
    assert "missing.toml: config file not found" in section
    assert '<a href="#vergelijking">Vergelijking met andere gemeenten</a>' in html


def test_series_per_theme_count_a_mention_for_each_theme(db, tmp_path):
    load(db, tmp_path, ROWS)
    weekly = figures(db)["series_by"]["theme"]["weekly"]
    assert weekly.select("start", "theme", "mentions", "negative_share", "cases").rows() == [
        (date(2026, 10, 5), "afval", 2, 0.5, 1),
        (date(2026, 10, 5), "verkeer", 1, 1.0, 1),
        (date(2026, 10, 12), "groen", 1, 0.0, 0),
    ]
    monthly = figures(db)["series_by"]["platform"]["monthly"]
    assert monthly.select("start", "platform", "mentions").rows() == [
        (date(2026, 10, 1), "facebook", 1), (date(2026, 10, 1), "mastodon", 5)]


def test_unanswered_cases_are_listed_questions_first_then_newest_with_thread_and_pseudonymised_resident(
        db, tmp_path, monkeypatch):
    from luisterpost.metrics import compute

    rows = ROWS + [
        # Two residents wait in one Facebook thread; the later one asked first in another thread too.
        row("20", "2026-10-20T09:00:00+02:00", "@Fien", "negatief", platform="facebook", text="@gemeentex hallo?"),
        row("21", "2026-10-20T09:05:00+02:00", "gijs", "negatief", platform="facebook", reply_to="20",
            text="@gemeentex ik ook"),
        {**row("22", "2026-10-14T22:00:00+02:00", "gijs", "negatief", text="@gemeentex lantaarn kapot"),
         "question": True},
    ]
    load(db, tmp_path, rows)
    privacy = Pseudonymiser(b"secret", public_followers=10_000)
    result = figures(db, privacy=privacy)
    listed = result["unanswered_cases"]
    assert listed.select("platform", "thread", "resident", "first_id", "needs_reply").rows() == [
        ("mastodon", "22", privacy.pseudonym("mastodon", "gijs"), "22", True),  # a question: first
        ("facebook", "20", privacy.pseudonym("facebook", "gijs"), "21", False),  # then the newest
        ("facebook", "20", privacy.pseudonym("facebook", "fien"), "20", False),
    ]
    # Only so many are listed; the counts stay whole.
    monkeypatch.setattr(compute, "UNANSWERED_LISTED", 1)
    capped = figures(db, privacy=privacy)
    assert capped["unanswered_cases"]["first_id"].to_list() == ["22"]
    assert capped["response"]["unanswered"] == result["response"]["unanswered"] >= 3


def test_shown_posts_never_carry_a_residents_contact_details_or_link(write_config, tmp_path):
    from luisterpost.config import load_config
    from luisterpost.metrics.compute import compute
    from luisterpost.report.render import render_report
    from luisterpost.store import open_db

    config = load_config(write_config(
        '[municipality]\nname = "Lindeveen"\npopulation = 50000\n[accounts]\nmastodon = ["gemeentex"]\n',
        municipality=False))
    con = open_db(config.database_path)
    load(con, tmp_path, [
        row("1", "2026-10-05T10:00:00+02:00", "piet", "negatief", likes=40,
            url="https://social.example/@piet/1",
            text="Bel me: 06-12345678 of mail piet.pietersen@voorbeeld.nl, zie www.pietsblog.nl/klacht"),
        row("2", "2026-10-05T11:00:00+02:00", "gemeentex", "neutraal", likes=30,
            url="https://social.example/@gemeentex/2", text="Mail ons op info@lindeveen.nl"),
    ])
    result = compute(con, config, OCTOBER)
    posts = {r["id"]: r for r in result["top_posts_by_engagement"].to_dicts()}
    assert posts["1"]["text"] == "Bel me: [telefoon] of mail [e-mail], zie [link]"
    assert posts["1"]["url"] is None  # a link to a resident's post names them
    assert posts["2"]["url"] == "https://social.example/@gemeentex/2"  # the municipality's own post keeps it
    html = render_report(con, config, OCTOBER, tmp_path / "out", formats=("html",))[0].html.read_text(encoding="utf-8")
    for private in ("06-12345678", "pietersen", "voorbeeld.nl", "pietsblog", "social.example/@piet", "@piet"):
        assert private not in html
