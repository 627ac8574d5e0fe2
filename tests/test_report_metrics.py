"""The figures only the reports show, each on given rows → expected values (docs/metrics.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from luisterpost.metrics.period import Period
from luisterpost.metrics.trend import monthly_sentiment, trend_start
from luisterpost.metrics.webcare import response_distribution
from luisterpost.report.context import _trend_class
from luisterpost.report.data import _coverage
from luisterpost.report.formatting import Formatter
from luisterpost.sql import query

from .test_enrichment import add_mentions
from .test_webcare_and_sentiment import AMSTERDAM


def test_thirteen_months_end_with_the_period():
    assert trend_start(date(2026, 10, 31)) == date(2025, 10, 1)
    assert trend_start(date(2026, 1, 15)) == date(2025, 1, 1)


def test_monthly_sentiment_counts_residents_and_keeps_empty_months():
    labels = ["positief"] * 3 + ["neutraal"] * 5 + ["negatief"] * 2
    frame = pl.DataFrame({
        "local_day": [date(2026, 10, 3)] * 10 + [date(2026, 10, 4)] + [date(2026, 8, 1)],
        "is_own": [False] * 10 + [True, False],
        "sentiment_label": labels + ["negatief", None],
    })
    trend = monthly_sentiment(frame, date(2026, 8, 1), date(2026, 10, 31))
    assert trend["month"].to_list() == [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)]
    assert trend["mentions"].to_list() == [1, 0, 11]  # own posts count as mentions …
    october = trend.row(2, named=True)
    assert (october["positive"], october["neutral"], october["negative"]) == (3, 5, 2)  # … not for sentiment
    assert (october["positive_share"], october["neutral_share"], october["negative_share"]) == (0.3, 0.5, 0.2)
    assert october["net_sentiment"] == pytest.approx(0.2) and october["reputation_index"] == pytest.approx(10.0)
    assert trend.row(1, named=True)["net_sentiment"] is None  # September: no posts, no figure


def test_response_bands_with_the_norm_as_an_edge():
    cases = pl.DataFrame({"answered": [True] * 6 + [False],
                          "business_minutes": [0.0, 30.0, 30.5, 240.0, 241.0, 5000.0, None]})
    bands = response_distribution(cases, 4)
    assert bands["upper"].to_list() == [30, 60, 120, 240, 480, 960, None]
    assert bands["cases"].to_list() == [2, 1, 0, 1, 1, 0, 1]
    assert bands["within_norm"].to_list() == [True, True, True, True, False, False, False]
    assert bands["share"].sum() == pytest.approx(1.0)
    three = response_distribution(cases, 3)  # the 2–4 hour band splits at the norm
    assert three["upper"].to_list()[:5] == [30, 60, 120, 180, 240] and three["within_norm"].to_list()[3:5] == [True, False]
    assert response_distribution(cases.head(0), 4)["cases"].sum() == 0


def test_days_without_posts_and_the_last_good_harvest(db):
    for day in [*range(1, 11), *range(15, 32)]:
        db.execute("INSERT INTO mentions (platform, id, created_at, author_handle, text, source, first_seen_at,"
                   " updated_at) VALUES ('mastodon', ?, ?, 'a', 't', 'feed', now(), now())",
                   [str(day), datetime(2026, 10, day, 12, tzinfo=UTC)])
    for run, status, finished in ((1, "ok", datetime(2026, 10, 20, 3, tzinfo=UTC)), (2, "failed", datetime(2026, 10, 21, 3, tzinfo=UTC))):
        db.execute("INSERT INTO harvest_run_sources (run_id, source, started_at, finished_at, status) VALUES (?, 'feed', ?, ?, ?)",
                   [run, finished, finished, status])
    [row] = _coverage(db, Period.month(2026, 10, AMSTERDAM))
    assert (row["mentions"], row["runs"], row["failed"], row["quiet_days"]) == (27, 2, 1, 4)
    assert row["last_ok"] == datetime(2026, 10, 20, 3, tzinfo=UTC)


def test_a_renormalise_run_is_no_harvest(db):
    harvested, renormalised = datetime(2026, 10, 20, 3, tzinfo=UTC), datetime(2026, 10, 22, 9, tzinfo=UTC)
    for run, kind, finished in ((1, "harvest", harvested), (2, "renormalise", renormalised)):
        db.execute("INSERT INTO harvest_runs (run_id, kind, started_at, finished_at, status) VALUES (?, ?, ?, ?, 'ok')",
                   [run, kind, finished, finished])
        db.execute("INSERT INTO harvest_run_sources (run_id, source, started_at, finished_at, status) VALUES (?, 'feed', ?, ?, 'ok')",
                   [run, finished, finished])
    [row] = _coverage(db, Period.month(2026, 10, AMSTERDAM))
    assert (row["runs"], row["last_ok"]) == (1, harvested)


def test_sentiment_quality_counts_corrections_that_agreed(db):
    from .conftest import store_enrichment

    add_mentions(db, ("mastodon", "1", "a", None), ("mastodon", "2", "b", None), ("mastodon", "3", "c", None))
    for post, label in (("1", "positief"), ("2", "negatief"), ("3", "neutraal")):
        store_enrichment(db, "mastodon", post, label)
    db.execute("INSERT INTO corrections (platform, id, sentiment_label, corrected_at) VALUES"
               " ('mastodon', '1', 'positief', now()), ('mastodon', '2', 'neutraal', now())")
    rows = db.execute(query("report/sentiment_quality"), {"start": datetime(2026, 10, 1, tzinfo=UTC),
                                                          "end": datetime(2026, 11, 1, tzinfo=UTC)}).fetchall()
    assert rows == [("test", 3, 2, 1)]


@pytest.mark.parametrize(("change", "higher_is_better", "expected"), [
    (-0.05, True, "worse"), (0.05, True, "better"), (-3.0, False, "better"), (0.0, True, "same"), (None, True, "same"),
    (0.4, None, "same"),
])
def test_a_change_is_better_or_worse_by_its_direction(change, higher_is_better, expected):
    assert _trend_class(change, higher_is_better) == expected


def test_dutch_and_english_report_formats():
    nl, en = Formatter("nl"), Formatter("en")
    assert (nl.signed(-0.0734), nl.relative(0.4845), nl.points(-0.0513), nl.minutes(60), nl.minutes(144.35)) == (
        "−0,07", "+48%", "−5 pp", "1 u", "2 u 24 min")
    assert (en.signed(-0.0734), en.hours(1), nl.hours(4), nl.hours(0.5), nl.short_month(date(2025, 10, 1))) == (
        "−0.07", "1 hour", "4 uur", "30 min", "okt 2025")
