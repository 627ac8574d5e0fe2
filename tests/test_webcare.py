"""Webcare response metrics on given rows → expected cases, on a real DuckDB (rows go in through the store)."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import polars as pl

from luisterpost.importer import import_file
from luisterpost.metrics.load import load_mentions
from luisterpost.metrics.webcare import case_labels, cases, mark_own, response_by, response_summary, threads, with_timing
from luisterpost.schedule import business_calendar, parse_schedule

from .conftest import store_enrichment

AMS = ZoneInfo("Europe/Amsterdam")
OWN = {"mastodon": {"gemeentex"}, "facebook": {"gemeentex"}}
CALENDAR = business_calendar(parse_schedule("mon-fri 08:30-17:00"), AMS, "NL", [])


def at(day: str, hhmm: str) -> str:
    """An Amsterdam wall-clock time as ISO-8601 with its offset."""
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=AMS).isoformat()


def msg(id, when, author, text="", reply_to=None, platform="mastodon", conversation=None):
    row = {"platform": platform, "id": id, "created_at": when, "author_handle": author, "text": text}
    if reply_to:
        row["in_reply_to_id"] = reply_to
    if conversation:
        row["conversation_id"] = conversation
    return row


def timed_cases(db, tmp_path, rows, window=72, norm=4, questions=()):
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert import_file(db, path).problems == []
    for platform, id in questions:
        store_enrichment(db, platform, id, "neutraal", question=True)
    frame = load_mentions(db, datetime(2000, 1, 1, tzinfo=AMS), datetime(2100, 1, 1, tzinfo=AMS))
    marked = threads(mark_own(frame, OWN))
    timed = with_timing(cases(marked, window, carry=("needs_reply",)), CALENDAR, norm)
    return case_labels(timed, marked).sort("platform", "thread", "resident")


def outcome(timed):
    return timed.select("thread", "resident", "answered", "response_minutes", "business_minutes").rows()


def test_a_reply_before_the_inbound_message_does_not_answer_it(db, tmp_path):
    rows = [
        msg("1", at("2026-03-02", "09:00"), "gemeentex", "Werk aan de weg vanaf maandag"),
        msg("2", at("2026-03-02", "09:10"), "gemeentex", "@anouk zie hierboven", reply_to="1"),
        msg("3", at("2026-03-02", "09:20"), "anouk", "hoe lang duurt het?", reply_to="1"),
    ]
    assert outcome(timed_cases(db, tmp_path, rows)) == [("1", "anouk", False, None, None)]


def test_a_reply_after_the_window_does_not_count(db, tmp_path):
    rows = [
        msg("1", at("2026-03-02", "09:00"), "anouk", "@gemeentex lantaarn kapot"),
        msg("2", at("2026-03-05", "09:01"), "gemeentex", "@anouk opgelost", reply_to="1"),  # 72 h + 1 min
    ]
    assert outcome(timed_cases(db, tmp_path, rows)) == [("1", "anouk", False, None, None)]
    # Exactly at the end of the window still counts.
    rows[1] = msg("2", at("2026-03-05", "09:00"), "gemeentex", "@anouk opgelost", reply_to="1")
    db.execute("DELETE FROM mentions")
    assert outcome(timed_cases(db, tmp_path, rows)) == [("1", "anouk", True, 72 * 60.0, 3 * 510.0)]


def test_a_reply_on_another_platform_does_not_answer(db, tmp_path):
    rows = [
        msg("1", at("2026-03-02", "09:00"), "anouk", "@gemeentex lantaarn kapot", platform="facebook"),
        msg("2", at("2026-03-02", "09:30"), "gemeentex", "@anouk we komen eraan", platform="mastodon"),
    ]
    timed = timed_cases(db, tmp_path, rows)
    assert timed.select("platform", "resident", "answered").rows() == [("facebook", "anouk", False)]


def test_a_reply_to_someone_else_in_the_thread_does_not_answer(db, tmp_path):
    rows = [
        msg("1", at("2026-03-02", "09:00"), "anouk", "@gemeentex de bus rijdt niet"),
        msg("2", at("2026-03-02", "09:05"), "bas", "bij mij ook niet", reply_to="1"),
        msg("3", at("2026-03-02", "09:30"), "gemeentex", "@anouk klopt, omleiding", reply_to="1"),
    ]
    assert outcome(timed_cases(db, tmp_path, rows)) == [
        ("1", "anouk", True, 30.0, 30.0),
        ("1", "bas", False, None, None),  # inbound (the thread has an own message) but never answered
    ]


def test_two_residents_in_one_thread_are_two_cases(db, tmp_path):
    rows = [
        msg("1", at("2026-03-02", "10:00"), "gemeentex", "Vragen over de nieuwe containers?"),
        msg("2", at("2026-03-02", "10:10"), "anouk", "wanneer komt de mijne?", reply_to="1"),
        msg("3", at("2026-03-02", "10:20"), "bas", "en de mijne?", reply_to="1"),
        msg("4", at("2026-03-02", "10:25"), "anouk", "al iets bekend?", reply_to="1"),
        msg("5", at("2026-03-02", "10:40"), "gemeentex", "@bas volgende week", reply_to="3"),
        msg("6", at("2026-03-02", "11:10"), "gemeentex", "@Anouk morgen", reply_to="4"),
    ]
    assert outcome(timed_cases(db, tmp_path, rows)) == [
        ("1", "anouk", True, 60.0, 60.0),  # from her first message, 10:10
        ("1", "bas", True, 20.0, 20.0),
    ]


def test_messages_exactly_at_opening_and_closing_time(db, tmp_path):
    rows = [
        # At opening: counting starts at once.
        msg("1", at("2026-03-02", "08:30"), "anouk", "@gemeentex vraag"),
        msg("2", at("2026-03-02", "08:45"), "gemeentex", "@anouk antwoord", reply_to="1"),
        # At closing: the office is closed (hours are [08:30, 17:00)); counting starts next morning.
        msg("3", at("2026-03-02", "17:00"), "bas", "@gemeentex vraag"),
        msg("4", at("2026-03-03", "08:40"), "gemeentex", "@bas antwoord", reply_to="3"),
    ]
    timed = timed_cases(db, tmp_path, rows)
    assert outcome(timed) == [("1", "anouk", True, 15.0, 15.0), ("3", "bas", True, 940.0, 10.0)]
    assert timed["arrived_in_office_hours"].to_list() == [True, False]


def test_dst_changes_count_wall_clock_office_hours(db, tmp_path):
    rows = [
        # Friday 27 March 16:00 → Monday 30 March 09:00 across the spring change: 60 + 30 office minutes,
        # 2 days 16 hours of calendar time minus the lost hour.
        msg("1", at("2026-03-27", "16:00"), "anouk", "@gemeentex vraag"),
        msg("2", at("2026-03-30", "09:00"), "gemeentex", "@anouk antwoord", reply_to="1"),
        # Friday 23 October 16:30 → Monday 26 October 09:30 across the autumn change.
        msg("3", at("2026-10-23", "16:30"), "bas", "@gemeentex vraag"),
        msg("4", at("2026-10-26", "09:30"), "gemeentex", "@bas antwoord", reply_to="3"),
    ]
    assert outcome(timed_cases(db, tmp_path, rows, window=100)) == [
        ("1", "anouk", True, (65 * 60 - 60.0), 90.0),
        ("3", "bas", True, (65 * 60 + 60.0), 90.0),
    ]


def test_a_holiday_does_not_count(db, tmp_path):
    rows = [
        # Wednesday 24 December 16:00 → Monday 29 December 09:00: Christmas, Boxing Day and the weekend are closed.
        msg("1", at("2025-12-24", "16:00"), "anouk", "@gemeentex vraag"),
        msg("2", at("2025-12-29", "09:00"), "gemeentex", "@anouk antwoord", reply_to="1"),
    ]
    assert outcome(timed_cases(db, tmp_path, rows, window=200))[0][4] == 90.0


def test_a_thread_without_inbound_messages_has_no_case(db, tmp_path):
    rows = [
        msg("1", at("2026-03-02", "09:00"), "anouk", "mooi weer vandaag"),
        msg("2", at("2026-03-02", "09:10"), "bas", "zeker!", reply_to="1"),
    ]
    assert timed_cases(db, tmp_path, rows).height == 0


def test_an_own_account_replying_to_itself_is_neither_case_nor_answer(db, tmp_path):
    rows = [
        msg("1", at("2026-03-02", "09:00"), "gemeentex", "Draadje over de begroting 1/2"),
        msg("2", at("2026-03-02", "09:01"), "GemeenteX", "2/2", reply_to="1"),
        msg("3", at("2026-03-02", "09:30"), "anouk", "en de zwembaden?", reply_to="2"),
        msg("4", at("2026-03-02", "09:31"), "gemeentex", "3/2 nog iets", reply_to="2"),
    ]
    assert outcome(timed_cases(db, tmp_path, rows)) == [("1", "anouk", False, None, None)]


def test_conversation_id_groups_a_thread_even_without_reply_links(db, tmp_path):
    rows = [
        msg("1", at("2026-03-02", "09:00"), "anouk", "@gemeentex vraag", conversation="c1"),
        msg("2", at("2026-03-02", "09:20"), "gemeentex", "@anouk antwoord", conversation="c1"),
    ]
    assert outcome(timed_cases(db, tmp_path, rows)) == [("c1", "anouk", True, 20.0, 20.0)]


def test_summary_figures_and_breakdowns(db, tmp_path):
    rows = [
        msg("1", at("2026-03-02", "09:00"), "anouk", "@gemeentex a"),
        msg("2", at("2026-03-02", "09:10"), "gemeentex", "@anouk x", reply_to="1"),
        msg("3", at("2026-03-02", "10:00"), "bas", "@gemeentex b"),
        msg("4", at("2026-03-02", "11:00"), "gemeentex", "@bas x", reply_to="3"),
        msg("5", at("2026-03-02", "12:00"), "carla", "@gemeentex c"),
        msg("6", at("2026-03-02", "18:00"), "gemeentex", "@carla x", reply_to="5"),  # 6 h calendar, 5 h office
        msg("7", at("2026-03-07", "12:00"), "dirk", "@gemeentex d", platform="facebook"),  # Saturday, never answered
    ]
    # anouk's and dirk's messages ask something (enrichment says so); bas's and carla's are remarks.
    timed = timed_cases(db, tmp_path, rows, questions=(("mastodon", "1"), ("facebook", "7")))
    summary = response_summary(timed)
    assert summary == {
        "cases": 4, "answered": 3, "unanswered": 1, "rate": 0.75, "unanswered_share": 0.25,
        "first_response_minutes": {"median": 60.0, "p90": 300.0, "mean": (10 + 60 + 360) / 3},
        "first_response_business_minutes": {"median": 60.0, "p90": 252.0, "mean": (10 + 60 + 300) / 3},
        "within_norm_share": 0.5,  # anouk and bas within 4 office hours; carla (5 h) and dirk not
        "arrivals_in_office_hours": 3, "arrivals_outside_office_hours": 1,
        "needs_reply": {"cases": 2, "answered": 1, "unanswered": 1, "rate": 0.5},
    }
    assert response_by(timed, "platform").select(
        "platform", "cases", "answered", "rate", "median_minutes", "median_business_minutes", "within_norm_share",
    ).rows() == [("facebook", 1, 0, 0.0, None, None, 0.0), ("mastodon", 3, 3, 1.0, 60.0, 60.0, 2 / 3)]
    assert response_by(timed, "weekday", "hour").select("weekday", "hour", "cases").rows() == [
        (1, 9, 1), (1, 10, 1), (1, 12, 1), (6, 12, 1)]


def test_p90_is_linear_interpolation_between_ranks_like_numpy():
    # numpy.percentile(values, 90) with its default "linear" method: rank 0.9 × (5 − 1) = 3.6,
    # so 50 + 0.6 × (400 − 50) = 260.
    values = [3.0, 10.0, 11.0, 50.0, 400.0]
    frame = pl.DataFrame({"answered": [True] * 5, "response_minutes": values, "business_minutes": values,
                          "within_norm": [True] * 5, "arrived_in_office_hours": [True] * 5, "needs_reply": [False] * 5})
    assert response_summary(frame)["first_response_minutes"] == {"median": 11.0, "p90": 260.0, "mean": 94.8}
