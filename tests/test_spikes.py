"""Spike and crisis detection on given series → expected episodes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from luisterpost.metrics.spikes import DAILY, HOURLY, detect, episodes, flag, top_terms

BASE = [10, 12, 9, 11, 10, 8, 13, 10, 11, 9, 12, 10, 9, 11]  # 14 quiet days, median 10


def series(counts):
    start = datetime(2026, 10, 1, tzinfo=UTC)
    return pl.DataFrame({"start": [start + timedelta(days=i) for i in range(len(counts))], "count": counts})


def test_a_confirmed_spike_becomes_an_episode_with_persistence_and_severity():
    found = episodes(flag(series(BASE + [60, 45, 11, 10]), DAILY))
    assert len(found) == 1
    episode = found[0]
    assert (episode["start"].day, episode["end"].day, episode["peak"].day) == (15, 16, 15)
    assert (episode["peak_count"], episode["baseline"], episode["buckets"]) == (60, 10.0, 2)
    # 2 × log2(60 / 10) = 5.17, plus 1 for the second day → 6
    assert episode["severity"] == 6


def test_no_episode_without_enough_history_or_below_the_thresholds():
    assert episodes(flag(series(BASE[:10] + [60]), DAILY)) == []  # fewer than 14 baseline days
    assert episodes(flag(series(BASE + [19]), DAILY)) == []  # less than twice the median
    assert episodes(flag(series([1] * 14 + [8]), DAILY)) == []  # below the minimum of 10 mentions


def test_an_episode_needs_confirmation_against_the_same_day_a_week_earlier():
    counts = BASE + [10] * 7
    counts[-7] = 70  # a spike a week before: today's 60 does not beat it
    flagged = flag(series(counts + [60]), DAILY)
    assert [e["start"].day for e in episodes(flagged)] == [15]


def test_hourly_rule_compares_with_the_same_hour_on_previous_days():
    # Eight days with a daily rush of 20 at 09:00 after quiet nights: the rush is normal, 80 is not.
    counts = []
    for day in range(8):
        counts += [0] * 9 + [20 if day < 7 else 80] + [2] * 14
    start = datetime(2026, 10, 1, tzinfo=UTC)
    frame = pl.DataFrame({"start": [start + timedelta(hours=i) for i in range(len(counts))], "count": counts})
    found = episodes(flag(frame, HOURLY))
    assert [(e["start"].day, e["start"].hour, e["peak_count"]) for e in found] == [(8, 9, 80)]


def test_top_terms_are_the_words_that_stand_out():
    before = ["de container is vol", "mooi weer in het park", "de bus is laat"] * 5
    during = ["storm en omgevallen bomen", "omgevallen boom op de straat", "storm storm geen stroom",
              "de container is vol", "stroom weer uitgevallen door storm", "omgevallen bomen over de weg"]
    assert top_terms(during, before)[:2] == ["storm", "omgevallen"]


def test_detect_on_mentions_reports_volume_and_negativity_with_top_posts():
    rows = []
    start = datetime(2026, 9, 20, 10, tzinfo=UTC)
    for day in range(20):
        n = 40 if day == 16 else 10
        for i in range(n):
            negative = day == 16 and i % 2 == 0
            rows.append({"platform": "mastodon", "id": f"{day}-{i}",
                         "created_at": start + timedelta(days=day, minutes=i * 7),
                         "author_handle": f"User{i}", "author_followers": 10, "is_own": False,
                         "text": "storm schade overal" if negative else "gewoon een dag",
                         "sentiment_label": "negatief" if negative else "neutraal",
                         "likes": i, "reposts": 0, "replies": 0, "quotes": 0})
    frame = pl.DataFrame(rows).with_columns(pl.col("created_at").dt.cast_time_unit("us"))
    found = detect(frame, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC), "Europe/Amsterdam")
    daily = [(e["kind"], e["start"].date().isoformat(), e["peak_count"]) for e in found if e["granularity"] == "day"]
    assert daily == [("negativity", "2026-10-06", 20), ("volume", "2026-10-06", 40)]
    volume = next(e for e in found if e["granularity"] == "day" and e["kind"] == "volume")
    assert volume["top_terms"][:3] == ["overal", "schade", "storm"]  # equal scores: alphabetical
    assert volume["top_posts"]["id"].to_list()[:2] == ["16-39", "16-38"]
    # Authors are shown by their normalised handle.
    assert volume["top_posts"]["author"].to_list()[:2] == ["user39", "user38"]
