"""Spike and crisis detection on given series and mentions → expected episodes and events, their top terms,
lead posts and wording; and the demo month's storm as the report's first spike."""

from __future__ import annotations

import re

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from rich.console import Console

from luisterpost.cli import app
from luisterpost.config import Spikes, load_config
from luisterpost.errors import UserError
from luisterpost.metrics.compute import settings_of
from luisterpost.metrics.output import print_spikes
from luisterpost.metrics.period import Period
from luisterpost.metrics.spikes import DAILY, HOURLY, detect, episodes, event, flag, merge, rules
from luisterpost.metrics.topics import excluded_words, lead_posts, top_terms
from luisterpost.paths import resource_dir
from luisterpost.report.context import _day_span, _hour_span, _spikes
from luisterpost.report.formatting import Formatter
from luisterpost.report.data import gather
from luisterpost.report.render import labels, report_values

from .test_report import demo  # noqa: F401 (the demo month, harvested and enriched: a fixture)

BASE = [40, 48, 36, 44, 40, 32, 52, 40, 44, 36, 48, 40, 36, 44]  # 14 quiet days, median 40
TZ = "Europe/Amsterdam"
OCTOBER = (datetime(2026, 10, 1, tzinfo=ZoneInfo(TZ)), datetime(2026, 11, 1, tzinfo=ZoneInfo(TZ)))


def series(counts, step=timedelta(days=1)):
    start = datetime(2026, 10, 1, tzinfo=UTC)
    return pl.DataFrame({"start": [start + i * step for i in range(len(counts))], "count": counts})


def test_a_confirmed_spike_becomes_an_episode_with_persistence_factor_and_severity():
    found = episodes(flag(series(BASE + [240, 180, 44, 40]), DAILY))
    assert [(e["start"].day, e["last"].day, e["peak"].day, e["peak_count"], e["baseline"], e["buckets"])
            for e in found] == [(15, 16, 15, 240, 40.0, 2)]
    # factor 240 / 40 = 6; severity 2 × log2(6) = 5.17, plus 1 for the second day → 6
    assert (found[0]["factor"], found[0]["severity"]) == (6.0, 6)


def test_no_episode_without_enough_history_or_below_the_thresholds():
    assert episodes(flag(series(BASE[:10] + [240]), DAILY)) == []  # fewer than 14 baseline days
    assert episodes(flag(series(BASE + [79]), DAILY)) == []  # less than twice the median


def test_the_floor_rejects_a_small_blip_but_keeps_a_real_episode():
    # A quiet municipality: 2 posts an hour. A 10-post hour is ×5, but under the default floor of 20 posts.
    quiet = [2, 1, 3, 2, 2, 1, 2, 3, 2, 2, 1, 2]
    assert episodes(flag(series(quiet + [10], timedelta(hours=1)), HOURLY)) == []
    kept = episodes(flag(series(quiet + [30], timedelta(hours=1)), HOURLY))
    assert [(e["peak_count"], e["baseline"]) for e in kept] == [(30, 2.0)]
    # The floor is configurable: with a minimum of 10 posts an hour the blip counts.
    _, low_hourly = rules(Spikes(min_posts_hour=10))
    assert [e["peak_count"] for e in episodes(flag(series(quiet + [10], timedelta(hours=1)), low_hourly))] == [10]
    # Days: a day with 25 posts against a median of 10 is under the default 30 posts a day.
    assert episodes(flag(series([10, 12, 9, 11, 10, 8, 13, 10, 11, 9, 12, 10, 9, 11] + [25]), DAILY)) == []


def test_an_episode_needs_confirmation_against_the_day_before_and_the_week_before():
    week_earlier = BASE + [40] * 7
    week_earlier[-7] = 200  # a spike a week before: today's 240 is not more than 1.5 × 200
    assert [e["start"].day for e in episodes(flag(series(week_earlier + [240]), DAILY))] == [15]
    # A Monday that is always busy, but more than 1.5 × last Monday: confirmed.
    assert [e["start"].day for e in episodes(flag(series(BASE + [40] * 6 + [320]), DAILY))] == [21]


def test_hourly_rule_compares_with_the_same_hour_on_previous_days():
    # Eight days with a daily rush of 30 at 09:00 after quiet nights: the rush is normal, 90 is not.
    counts = []
    for day in range(8):
        counts += [0] * 9 + [30 if day < 7 else 90] + [2] * 14
    found = episodes(flag(series(counts, timedelta(hours=1)), HOURLY))
    assert [(e["start"].day, e["start"].hour, e["peak_count"]) for e in found] == [(8, 9, 90)]


def episode(kind, granularity, start, until, severity, peak_count=50, baseline=10.0):
    return {"kind": kind, "granularity": granularity, "start": start, "last": start, "until": until,
            "peak": start, "peak_count": peak_count, "baseline": baseline, "factor": peak_count / baseline,
            "buckets": 1, "severity": severity}


def test_overlapping_volume_and_negativity_episodes_are_one_event():
    at = lambda day, hour=0: datetime(2026, 10, day, hour, tzinfo=ZoneInfo(TZ))  # noqa: E731
    found = [
        episode("volume", "day", at(8), at(10), 7, 424, 54.0),
        episode("negativity", "day", at(8), at(10), 7, 90, 12.0),
        episode("volume", "hour", at(8, 20), at(8, 21), 8, 36, 4.0),
        episode("volume", "hour", at(21, 18), at(21, 19), 4, 25, 5.0),  # another day: its own event
    ]
    groups = merge(found)
    assert [len(g) for g in groups] == [3, 1]
    storm, evening = event(groups[0]), event(groups[1])
    # Severity: the highest episode's (8, the evening hour), one more as both kinds spiked.
    assert (storm["start"], storm["until"], storm["granularity"], storm["kinds"], storm["severity"]) == (
        at(8), at(10), "day", ["volume", "negativity"], 9)
    # Each kind is told by its day episode (the event's bucket size), with its own factor.
    assert (storm["volume"]["peak_count"], storm["volume"]["granularity"], round(storm["volume"]["factor"], 2)) == (
        424, "day", 7.85)
    assert (storm["negativity"]["peak_count"], storm["negativity"]["factor"]) == (90, 7.5)
    assert (evening["granularity"], evening["kinds"], evening["negativity"]) == ("hour", ["volume"], None)


def mention(i, when, text="gewoon een dag", *, label="neutraal", own=False, likes=0):
    return {"platform": "mastodon", "id": str(i), "created_at": when, "author_handle": "Lindeveen" if own else f"User{i}",
            "author_followers": 10, "is_own": own, "text": text, "sentiment_label": label,
            "likes": likes, "reposts": 0, "replies": 0, "quotes": 0}


def frame(rows):
    return pl.DataFrame(rows).with_columns(pl.col("created_at").dt.cast_time_unit("us"))


def quiet_days(days=30, per_day=40):
    """`days` days from 2026-09-12 with `per_day` neutral residents' posts, one every 20 minutes from 08:00."""
    start = datetime(2026, 9, 12, 6, tzinfo=UTC)
    return [mention(f"q{d}-{i}", start + timedelta(days=d, minutes=20 * i)) for d in range(days) for i in range(per_day)]


def test_own_posts_are_ignored():
    # On 8 October the municipality posts 200 times; residents post as usual: no spike.
    storm = datetime(2026, 10, 8, 6, tzinfo=UTC)
    own = [mention(f"o{i}", storm + timedelta(minutes=3 * i), "Update storm: blijf binnen", own=True) for i in range(200)]
    assert detect(frame(quiet_days() + own), *OCTOBER, TZ) == []
    # The same 200 posts from residents are a spike.
    residents = [{**row, "is_own": False} for row in own]
    assert [e["kinds"] for e in detect(frame(quiet_days() + residents), *OCTOBER, TZ)] == [["volume"]]


def test_a_day_with_more_posts_and_more_negative_posts_is_one_event_with_both_factors():
    day = datetime(2026, 10, 8, 6, tzinfo=UTC)
    storm = [mention(f"s{i}", day + timedelta(minutes=4 * i), "Al 10 uur geen stroom in Zandhoek, schandalig",
                     label="negatief") for i in range(120)]
    rest = [mention(f"r{i}", day + timedelta(minutes=4 * i + 1)) for i in range(120)]
    # Negative posts on quiet days: 4 a day.
    rows = [({**r, "sentiment_label": "negatief"} if int(r["id"].split("-")[1]) < 4 else r) for r in quiet_days()]
    found = detect(frame(rows + storm + rest), *OCTOBER, TZ)
    assert [(e["start"].date(), e["granularity"], e["kinds"], e["volume"]["peak_count"], e["volume"]["baseline"],
             e["negativity"]["peak_count"], e["negativity"]["baseline"]) for e in found] == [
        (date(2026, 10, 8), "day", ["volume", "negativity"], 280, 40.0, 124, 4.0)]
    assert (found[0]["posts"], found[0]["negative_posts"]) == (280, 124)
    # Negativity ×31: round(2 × log2(31)) = 10, plus one for both kinds, clamped to 10.
    assert (found[0]["negativity"]["severity"], found[0]["severity"]) == (10, 10)


def test_events_are_ranked_by_severity():
    rows = quiet_days(40)  # 40 posts a day, 3 an hour
    early = datetime(2026, 10, 3, 6, tzinfo=UTC)
    late = datetime(2026, 10, 17, 6, tzinfo=UTC)
    # 3 October: 120 posts, ×3 → 2 × log2(3) = 3.2; 12 an hour stays under the hourly floor.
    rows += [mention(f"e{i}", early + timedelta(minutes=5 * i), "kermis afgelast") for i in range(80)]
    # 17 October: 320 posts (×8, severity 6 as a day), 33 an hour for 9 hours: as hours ×11,
    # 2 × log2(11) + 3 extra hours = 9.9 → 10, the event's severity.
    rows += [mention(f"l{i}", late + timedelta(minutes=2 * i), "brand in de fabriek") for i in range(280)]
    found = detect(frame(rows), *OCTOBER, TZ)
    assert [(e["start"].day, e["granularity"], e["volume"]["severity"], e["severity"]) for e in found] == [
        (17, "day", 6, 10), (3, "day", 3, 3)]


def test_stop_words_and_the_municipalitys_names_are_not_top_terms():
    exclude = excluded_words(["Lindeveen", "gemeente Lindeveen"], ["@gemeentelindeveen"], ["#lindeveen"],
                             ["Zandhoek", "Oosterbroek"], ["gemeentelindeveen@social.overheid.nl"])
    assert {"lindeveen", "gemeente", "gemeentelindeveen", "zandhoek", "oosterbroek"} <= exclude
    before = ["de container is vol in Zandhoek", "mooi weer in het park", "de bus is laat", "dank jullie wel"] * 5
    during = ["Storm in Lindeveen, omgevallen bomen overal #lindeveen", "Omgevallen boom op de straat in Zandhoek",
              "De storm gaat maar door, geen stroom in Oosterbroek", "@gemeentelindeveen de container is vol",
              "Stroom weer uitgevallen door de storm, dank", "Omgevallen bomen over de weg, het gaat nergens over",
              "Nog steeds geen stroom, gemeente Lindeveen doet niks https://lindeveen.nl/storm"]
    # "bomen" and "boom" are one term; "gaat", "dank", "niks" are fillers; names, handles, hashtags and
    # woonkernen never count; links are not read.
    assert top_terms(during, before, exclude=exclude) == ["bomen", "omgevallen", "storm", "stroom"]


def test_lead_posts_carry_the_episodes_terms_not_the_most_liked_post_of_the_hour():
    posts = pl.DataFrame({
        "id": ["wmo", "stroom", "stroom2", "boom", "leeg"],
        "text": ["Wmo-aanvraag voor mijn moeder weer afgewezen", "Al 10 uur geen stroom na de storm in Zandhoek",
                 "Al 10 uur geen stroom na de storm in Heikamp", "Boom op ons huis na de storm", "Wat een dag"],
        "engagement": [500, 5, 9, 3, 50],
    })
    leads = lead_posts(posts, ["storm", "stroom", "huis"], 3)
    # The post with the most (and first) terms, then the one with terms not covered yet, then another mix
    # before a copy; the unrelated, most liked post never leads.
    assert leads["id"].to_list() == ["stroom2", "boom", "stroom"]


def test_detect_takes_lead_posts_from_the_subject_and_negative_ones_when_negativity_spiked():
    day = datetime(2026, 10, 8, 6, tzinfo=UTC)
    rows = quiet_days()
    rows += [mention(f"s{i}", day + timedelta(minutes=3 * i), f"Straat {i % 3} staat blank, putten verstopt",
                     label="negatief", likes=i) for i in range(150)]
    rows += [mention("wmo", day + timedelta(hours=2), "Wmo-aanvraag afgewezen", label="negatief", likes=9000),
             mention("own", day + timedelta(hours=3), "Putten verstopt? Bel 14 0000", own=True, likes=9000)]
    [found] = detect(frame(rows), *OCTOBER, TZ, top=3)
    assert found["top_terms"] == ["blank", "putten", "straat", "verstopt"]  # equal scores: alphabetical
    leads = found["top_posts"]
    assert "wmo" not in leads["id"].to_list() and not leads["is_own"].any()
    assert leads["sentiment_label"].cast(pl.String).to_list() == ["negatief"] * 3
    assert leads["id"].to_list()[0] == "s149"  # all carry the terms: the most engagement first


def nl():
    return Formatter("nl"), labels()["nl"]


def test_one_hour_and_multi_day_wording():
    fmt, _ = nl()
    at = lambda day, hour=0: datetime(2026, 10, day, hour, tzinfo=ZoneInfo(TZ))  # noqa: E731
    assert _hour_span(fmt, at(8, 18), at(8, 19)) == "8 oktober 18:00–19:00"
    assert _hour_span(fmt, at(8, 23), at(9, 0)) == "8 oktober 23:00–24:00"
    assert _hour_span(fmt, at(8, 22), at(9, 2)) == "8 oktober 22:00 – 9 oktober 02:00"
    assert _day_span(fmt, date(2026, 10, 8), date(2026, 10, 9)) == "8–9 oktober"
    assert _day_span(fmt, date(2026, 10, 8), date(2026, 10, 8)) == "8 oktober"
    assert _day_span(fmt, date(2026, 9, 30), date(2026, 10, 2)) == "30 september – 2 oktober"
    assert _day_span(Formatter("en"), date(2026, 10, 8), date(2026, 10, 9)) == "8–9 October"


def test_a_one_hour_event_in_the_report_reads_as_one_hour_with_its_factor():
    fmt, t = nl()
    start = datetime(2026, 10, 21, 18, tzinfo=ZoneInfo(TZ))
    spike = event([episode("volume", "hour", start, start + timedelta(hours=1), 5, 30, 5.0)])
    spike |= {"posts": 30, "negative_posts": 2, "busiest_hour": start, "busiest_hour_posts": 30,
              "top_terms": ["kermis", "afgelast"],
              "top_posts": pl.DataFrame({"platform": ["mastodon"], "id": ["1"], "created_at": [start],
                                         "author": ["inwoner-0a1b2c3d"], "author_followers": [10], "is_own": [False],
                                         "text": ["Kermis afgelast, jammer"], "engagement": [4],
                                         "sentiment_label": ["negatief"]})}
    data = SimpleNamespace(metrics={"spikes": [spike]}, evidence={},
                           spike_moods=[{"positive": 1, "neutral": 27, "negative": 2}])
    [shown] = _spikes(data, t, fmt)
    assert (shown["when"], shown["factors"], shown["title"]) == (
        "21 oktober 18:00–19:00", "×6,0 berichten", "Piek in berichten van inwoners")
    assert shown["peak"] == "Hoogste uur: 30 berichten van inwoners (normaal 5). Ernst 5 van 10."
    assert shown["days"] == (date(2026, 10, 21), date(2026, 10, 21))
    assert [(p["author"], p["text"], p["date"]) for p in shown["posts"]] == [
        ("inwoner-0a1b2c3d", "Kermis afgelast, jammer", "21 okt")]


def test_the_metrics_command_prints_the_spikes():
    start = datetime(2026, 10, 8, tzinfo=ZoneInfo(TZ))
    spike = event([episode("volume", "day", start, start + timedelta(days=2), 7, 424, 54.0),
                   episode("negativity", "day", start, start + timedelta(days=2), 7, 90, 12.0)])
    spike |= {"posts": 708, "top_terms": ["storm", "bomen"]}
    console = Console(record=True, width=200)
    print_spikes([spike], console)
    text = console.export_text()
    assert "2026-10-08 00:00" in text and "2026-10-10 00:00" in text
    assert "×7.9 (424 vs 54/day)" in text and "×7.5 (90 vs 12/day)" in text and "storm, bomen" in text


def test_the_floor_is_read_from_the_config(write_config):
    config = load_config(write_config("[spikes]\nmin_posts_hour = 12\nconfirm_factor = 1\n"))
    assert settings_of(config).spikes == Spikes(min_posts_hour=12, confirm_factor=1)
    with pytest.raises(UserError, match=r"spikes\.min_posts_day: Input should be greater than or equal to 1"):
        load_config(write_config("[spikes]\nmin_posts_day = 0\n"))


def test_no_report_text_sends_readers_to_the_command_line():
    # The product's name may stand on a page; a command a manager cannot run may not.
    command = re.compile(r"luisterpost\s+(?:--|[a-z-]+\s+--|(?:" + "|".join(
        c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands) + r")\b)", re.IGNORECASE)
    for lang, texts in labels().items():
        for key, text in texts.items():
            assert not command.search(str(text)), (lang, key)
    for template in (resource_dir("reports") / "templates").glob("*.j2"):
        assert not command.search(template.read_text(encoding="utf-8")), template.name


def test_the_storm_of_8_and_9_october_is_the_first_spike_of_the_demo_report(demo):
    config, con = demo
    data = gather(con, config, Period.month(2026, 10, config.municipality.tz))
    storm = data.metrics["spikes"][0]
    assert (storm["kinds"], storm["granularity"], storm["severity"]) == (["volume", "negativity"], "day", 8)
    values, _ = report_values(data, config, "monthly", "nl", datetime(2026, 11, 2, 9, 30, tzinfo=UTC))
    first = values["spikes"][0]
    assert (first["when"], first["factors"]) == ("8–9 oktober", "×7,9 berichten, ×8,5 negatief")
    # The summary page names it too.
    assert values["summary_event"] == ("Belangrijkste gebeurtenis: 8–9 oktober, ×7,9 berichten, ×8,5 negatief "
                                       "(ernst 8 van 10). Zie Pieken en crises.")
    terms = first["terms"].split(", ")
    assert terms[0] == "storm" and not {"lindeveen", "zandhoek", "gemeente", "gaat", "dank"} & set(terms)
    # Lead posts: residents' negative posts about the storm's terms, their authors pseudonymised.
    assert storm["top_posts"].height == 3 and not storm["top_posts"]["is_own"].any()
    for post in values["spikes"][0]["posts"]:
        assert post["sentiment_key"] == "negatief" and post["author"].startswith("inwoner-")
        assert any(term in post["text"].lower() for term in terms)
    # Only residents' spikes: none of the month's events is the municipality's own posting.
    assert all(not s["top_posts"]["is_own"].any() for s in data.metrics["spikes"])
