"""The municipality's own posts never count in sentiment figures: shares, Net Sentiment, the reputation
index, their changes, breakdowns, series, the 13-month trend, the month summary and the peer row.

Every own post below is labelled negatief (an empathic reply may be scored so), on the same days,
platforms, themes and woonkernen as the residents' posts: if any figure counted them, it would change."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from luisterpost.config import load_config
from luisterpost.metrics import peers
from luisterpost.metrics.compute import Filters, cases_within, headline_of, in_period_frame, prepare, load_window
from luisterpost.metrics.load import load_mentions
from luisterpost.metrics.period import Period
from luisterpost.metrics.volume import per_day
from luisterpost.metrics.trend import monthly_sentiment

from .test_metrics import AMS, OCTOBER, SETTINGS, figures, load, row

RESIDENTS = [
    row("r1", "2026-10-05T10:00:00+02:00", "anouk", "positief", ["afval"], ["Heikamp"]),
    row("r2", "2026-10-05T11:00:00+02:00", "bas", "negatief", ["afval"], ["Heikamp"]),
    row("r3", "2026-10-06T12:00:00+02:00", "carla", "neutraal", ["groen"], [], platform="facebook"),
    row("r4", "2026-10-13T09:00:00+02:00", "dirk", "positief", ["groen"], ["Molenwijk"], platform="facebook"),
    row("r5", "2026-09-10T10:00:00+02:00", "eva", "negatief", ["afval"], []),
]
OWN = [  # the own handle in three spellings
    row("o1", "2026-10-05T11:30:00+02:00", "gemeentex", "negatief", ["afval"], ["Heikamp"], reply_to="r2",
        text="Vervelend! We sturen iemand."),
    row("o2", "2026-10-06T12:30:00+02:00", "GemeenteX", "negatief", ["groen"], [], platform="facebook"),
    row("o3", "2026-10-13T10:00:00+02:00", "gemeentex", "negatief", ["groen"], ["Molenwijk"], platform="facebook"),
    row("o4", "2026-09-11T10:00:00+02:00", "@gemeentex", "positief", ["afval"], []),
]
ROWS = RESIDENTS + OWN


def test_headline_shares_net_sentiment_and_index_count_residents_only(db, tmp_path):
    load(db, tmp_path, ROWS)
    result = figures(db)
    assert (result["mentions"], result["own_posts"]) == (7, 3)  # volume counts every post
    assert {k: result[k] for k in ("labelled", "positive", "neutral", "negative", "positive_share", "neutral_share",
                                   "negative_share", "net_sentiment", "reputation_index")} == {
        "labelled": 4, "positive": 2, "neutral": 1, "negative": 1, "positive_share": 0.5, "neutral_share": 0.25,
        "negative_share": 0.25, "net_sentiment": 1 / 3, "reputation_index": 25.0}
    # September: one resident's negative post and an own positive one.
    previous = result["change"]["previous_period"]
    assert (previous["net_sentiment"], previous["reputation_index"], previous["negative_share"]) == (-1.0, -100.0, 1.0)
    assert previous["net_sentiment_change"] == pytest.approx(4 / 3)


def test_breakdowns_by_platform_theme_and_woonkern_count_residents_only(db, tmp_path):
    load(db, tmp_path, ROWS)
    result = figures(db)
    ratios = ("mentions", "negative_share", "net_sentiment", "reputation_index")

    def table(name, by):
        return {r[by]: tuple(r[k] for k in ratios) for r in result[name].to_dicts()}

    assert table("by_platform", "platform") == {"mastodon": (3, 0.5, 0.0, 0.0), "facebook": (4, 0.0, 1.0, 50.0)}
    assert table("by_theme", "theme") == {"afval": (3, 0.5, 0.0, 0.0), "groen": (4, 0.0, 1.0, 50.0)}
    assert table("by_woonkern", "woonkern") == {"Heikamp": (3, 0.5, 0.0, 0.0), "Molenwijk": (2, 0.0, 1.0, 100.0)}


def test_series_overall_and_per_group_count_residents_only(db, tmp_path):
    load(db, tmp_path, ROWS)
    result = figures(db)
    daily = result["series"]["daily"].select("start", *("mentions", "negative_share", "net_sentiment",
                                                          "reputation_index")).rows()
    assert daily == [(date(2026, 10, 5), 3, 0.5, 0.0, 0.0), (date(2026, 10, 6), 2, 0.0, None, 0.0),
                     (date(2026, 10, 13), 2, 0.0, 1.0, 100.0)]
    monthly = result["series"]["monthly"].select("start", "negative_share", "net_sentiment", "reputation_index").rows()
    assert monthly == [(date(2026, 10, 1), 0.25, 1 / 3, 25.0)]
    weekly_by_theme = result["series_by"]["theme"]["weekly"].select("start", "theme", "negative_share",
                                                                     "net_sentiment").rows()
    assert weekly_by_theme == [(date(2026, 10, 5), "afval", 0.5, 0.0), (date(2026, 10, 5), "groen", 0.0, None),
                               (date(2026, 10, 12), "groen", 0.0, 1.0)]
    # A filter (here: one platform) changes which residents count, never lets own posts in.
    facebook = figures(db, filters=Filters(platform="facebook"))
    assert (facebook["mentions"], facebook["labelled"], facebook["negative"], facebook["net_sentiment"]) == (4, 2, 0, 1.0)


def test_thirteen_month_trend_counts_residents_only(db, tmp_path):
    load(db, tmp_path, ROWS)
    marked, _ = prepare(load_window(db, OCTOBER, 72), SETTINGS)
    first = date(2026, 9, 1)
    frame = in_period_frame(marked, Period(first, OCTOBER.last_day, AMS), Filters())
    trend = monthly_sentiment(frame, first, OCTOBER.last_day)
    assert trend.select("month", "mentions", "positive", "neutral", "negative", "negative_share", "net_sentiment",
                        "reputation_index").rows() == [
        (date(2026, 9, 1), 2, 0, 0, 1, 1.0, -1.0, -100.0),
        (date(2026, 10, 1), 7, 2, 1, 1, 0.25, 1 / 3, 25.0),
    ]


def test_month_summary_share_negative_and_daily_negative_count_residents_only(db, tmp_path):
    load(db, tmp_path, ROWS)
    frame = load_mentions(db, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    marked, timed = prepare(frame, SETTINGS)
    in_period = in_period_frame(marked, OCTOBER, Filters())
    figures = headline_of(in_period, cases_within(marked, timed, OCTOBER, Filters()))
    assert (figures["mentions"], figures["mentions"] - figures["own_posts"], figures["negative_share"]) == (7, 4, 0.25)
    daily = per_day(in_period, OCTOBER.first_day, OCTOBER.last_day)
    assert daily.filter(daily["mentions"] > 0).rows() == [
        (date(2026, 10, 5), 3, 1), (date(2026, 10, 6), 2, 0), (date(2026, 10, 13), 2, 0)]


def test_peer_row_counts_residents_negative_posts_only(db, tmp_path, write_config):
    load(db, tmp_path, ROWS)
    config = load_config(write_config('[municipality]\nname = "Lindeveen"\npopulation = 50000\n', municipality=False))
    benchmark = peers.row(config, figures(db))
    assert (benchmark["mentions"], benchmark["negative_per_10k"], benchmark["negative_share"],
            benchmark["net_sentiment"]) == (7, 1 / 50000 * 10_000, 0.25, 1 / 3)
