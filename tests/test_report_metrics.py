"""The figures only the reports show, each on given rows → expected values (docs/metrics.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from luisterpost.metrics.period import Period
from luisterpost.metrics.spikes import spike_moods
from luisterpost.metrics.topics import negative_issues
from luisterpost.metrics.trend import monthly_sentiment, trend_start
from luisterpost.metrics.volume import per_day, per_day_change
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


def test_a_count_per_day_of_a_running_period_against_a_whole_one():
    # docs/metrics.md: 6 mentions on 1–15 October against 3 in the 30 days of September → "+300% per dag".
    assert per_day_change(6, 15, 3, 30) == pytest.approx(3.0)
    assert per_day_change(6, 15, 0, 30) is None and per_day_change(6, 15, None, 30) is None
    assert per_day_change(6, 0, 3, 30) is None  # a period that has not begun yet


def test_mentions_per_day_count_every_day_and_residents_negative_posts():
    frame = pl.DataFrame({"local_day": [date(2026, 10, 2)] * 3 + [date(2026, 10, 4)],
                          "is_own": [False, False, True, False],
                          "sentiment_label": ["negatief", "positief", "negatief", None]})
    daily = per_day(frame, date(2026, 10, 1), date(2026, 10, 4))
    assert daily.rows() == [(date(2026, 10, 1), 0, 0), (date(2026, 10, 2), 3, 1),  # the own negative post: no
                            (date(2026, 10, 3), 0, 0), (date(2026, 10, 4), 1, 0)]
    assert per_day(frame.head(0), date(2026, 10, 1), date(2026, 10, 2))["mentions"].to_list() == [0, 0]


def test_a_spikes_mood_counts_residents_posts_that_pass_the_filters_within_its_hours():
    spike = {"start": datetime(2026, 10, 8, 18, tzinfo=AMSTERDAM), "until": datetime(2026, 10, 8, 20, tzinfo=AMSTERDAM)}
    marked = pl.DataFrame({  # 18:00 in Amsterdam is 16:00 UTC
        "created_at": [datetime(2026, 10, 8, h, m, tzinfo=UTC) for h, m in ((15, 59), (16, 0), (17, 59), (17, 30), (17, 0), (18, 0))],
        "is_own": [False, False, False, True, False, False],
        "platform": ["x", "x", "x", "x", "facebook", "x"],
        "sentiment_label": ["negatief", "negatief", "neutraal", "negatief", "negatief", "positief"],
    })
    assert spike_moods(marked, [spike]) == [{"positive": 0, "neutral": 1, "negative": 2}]
    assert spike_moods(marked, [spike], pl.col("platform") == "x") == [{"positive": 0, "neutral": 1, "negative": 1}]
    assert spike_moods(marked, []) == []


def test_issues_are_words_of_negative_posts_used_more_than_before():
    posts = pl.DataFrame({"is_own": [False] * 4 + [True], "sentiment_label": ["negatief"] * 3 + ["positief", "negatief"],
                          "text": ["Lantaarnpaal kapot", "weer een lantaarnpaal kapot", "lantaarnpaal stuk", "lantaarnpaal mooi",
                                   "lantaarnpaal gemaakt"]})
    before = pl.DataFrame({"is_own": [False], "sentiment_label": ["negatief"], "text": ["kapot fietspad"]})
    # "lantaarnpaal": 3 negative posts now, none before; "kapot": 2 only (a term needs 3 posts).
    assert negative_issues(posts, before) == [{"term": "lantaarnpaal", "posts": 3}]
    assert negative_issues(posts, before, exclude=frozenset({"lantaarnpaal"})) == []


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


# --- Tiles and tables that do not flatter: given mentions in a real DuckDB → the report's values. ---------------

def _report_config(write_config, extra: str = ""):
    from luisterpost.config import load_config

    return load_config(write_config('[storage]\ndatabase = "report.duckdb"\n[accounts]\nmastodon = ["gemeentex"]\n'
                                    'facebook = ["gemeentex"]\n[webcare]\nnorm_hours = 4\n' + extra))


def _mention(id, when, author, text="", platform="mastodon", reply_to=None, **extra):
    row = {"platform": platform, "id": id, "created_at": when, "author_handle": author, "text": text or f"bericht {id}",
           **extra}
    if reply_to:
        row["in_reply_to_id"] = reply_to
    return row


def _store(config, tmp_path, rows, labels=None):
    """A real database for `config` holding `rows` (imported as a Mentions JSONL file), sentiment as given."""
    import json

    from luisterpost.importer import import_file
    from luisterpost.store import open_db

    from .conftest import store_enrichment

    con = open_db(config.database_path)
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert import_file(con, path).problems == []
    for r in rows:
        store_enrichment(con, r["platform"], r["id"], (labels or {}).get(r["id"], "neutraal"))
    return con


def _values(config, con, period, generated_at, lang="nl"):
    from luisterpost.report.data import gather
    from luisterpost.report.render import report_values

    data = gather(con, config, period)
    values, figs = report_values(data, config, "monthly", lang, generated_at)
    return data, values, figs


def _tiles(values):
    return {tile["label"]: tile for tile in values["tiles"]}


AFTER_OCTOBER = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
WEBCARE_ROWS = [
    # September: one case, answered in 60 minutes.
    _mention("s1", "2026-09-07T10:00:00+02:00", "eva", "@gemeentex lamp kapot"),
    _mention("s2", "2026-09-07T11:00:00+02:00", "gemeentex", "@eva we komen", reply_to="s1"),
    # October: four cases, one answered in 20 minutes (Monday 10:00 → 10:20), three never.
    _mention("o1", "2026-10-05T10:00:00+02:00", "anouk", "@gemeentex wanneer wordt het gras gemaaid?"),
    _mention("o2", "2026-10-05T10:20:00+02:00", "gemeentex", "@anouk volgende week", reply_to="o1"),
    _mention("o3", "2026-10-06T10:00:00+02:00", "bas", "@gemeentex de stoep is kapot"),
    _mention("o4", "2026-10-07T10:00:00+02:00", "carla", "@gemeentex geen reactie?"),
    _mention("o5", "2026-10-08T10:00:00+02:00", "dirk", "@gemeentex nog steeds niets"),
    # October 2025: one post, so the year-earlier comparison has data.
    _mention("y1", "2025-10-10T10:00:00+02:00", "eva", "vorig jaar"),
]


def test_a_response_time_is_not_good_news_when_most_cases_went_unanswered(write_config, tmp_path):
    config = _report_config(write_config)
    con = _store(config, tmp_path, WEBCARE_ROWS)
    _, values, figs = _values(config, con, Period.month(2026, 10, config.municipality.tz), AFTER_OCTOBER)
    median = _tiles(values)["Mediane eerste reactie"]
    # 20 office minutes against 60 the month before would be "better" (green), but 3 of 4 cases got no answer.
    assert (median["value"], median["detail"], median["class"], median["warn"]) == (
        "20 min", "in kalendertijd: 20 min", "same", True)
    assert median["sentence"] == "Over de enige beantwoorde case. 75% van de cases kreeg geen antwoord en telt hier niet mee."
    assert median["change"] == "−40 min t.o.v. september 2026"
    rate = _tiles(values)["Reactiepercentage"]
    assert (rate["value"], rate["class"]) == ("25%", "worse")
    assert rate["sentence"] == "1 van de 4 cases kreeg binnen 72 uur een antwoord op hetzelfde kanaal."
    assert rate["detail"] == ""  # no case opened by a question or complaint
    # A year earlier one post (5 now: +400%) and no cases: the count is compared, response figures are not.
    mentions = _tiles(values)["Vermeldingen"]
    assert mentions["change_year"] == "+400% t.o.v. oktober 2025" and rate["change_year"] == ""
    assert "response_bands" in figs
    # The cases that most need an answer (a question or complaint opened them) have their own rate beside it.
    con.execute("UPDATE enrichments SET is_question = true WHERE id IN ('o1', 'o3')")
    _, values, _ = _values(config, con, Period.month(2026, 10, config.municipality.tz), AFTER_OCTOBER)
    assert _tiles(values)["Reactiepercentage"]["detail"] == "Vragen en klachten: 50% beantwoord (1 van 2)"


def test_the_response_tile_judges_the_norm_only_when_few_cases_go_unanswered(write_config, tmp_path):
    config = _report_config(write_config)
    rows = [r for r in WEBCARE_ROWS if r["id"] not in ("o3", "o4", "o5")]
    con = _store(config, tmp_path, rows)
    _, values, _ = _values(config, con, Period.month(2026, 10, config.municipality.tz), AFTER_OCTOBER)
    median = _tiles(values)["Mediane eerste reactie"]
    assert (median["class"], median["warn"]) == ("better", False)
    assert median["sentence"] == "Over de enige beantwoorde case. Binnen de norm van 4 uur kantoortijd."


def test_no_answered_case_gives_a_sentence_instead_of_an_empty_chart(write_config, tmp_path):
    config = _report_config(write_config)
    rows = [r for r in WEBCARE_ROWS if r["id"] not in ("o2",)]
    con = _store(config, tmp_path, rows)
    _, values, figs = _values(config, con, Period.month(2026, 10, config.municipality.tz), AFTER_OCTOBER)
    assert values["has_cases"] and "response_bands" not in figs
    assert _tiles(values)["Mediane eerste reactie"]["sentence"] == (
        "Geen beantwoorde cases in deze periode: er is geen reactietijd om te tonen.")


EXPORT_ROWS = [  # an export: no in_reply_to_id or conversation_id at all, though the municipality did answer
    _mention("e1", "2026-10-05T10:00:00+02:00", "anouk", "@gemeentex wanneer komt de veegwagen?", platform="facebook"),
    _mention("e2", "2026-10-05T10:30:00+02:00", "gemeentex", "@anouk donderdag!", platform="facebook"),
    _mention("e3", "2026-10-06T09:00:00+02:00", "gemeentex", "Werk aan de weg in Heikamp", platform="facebook"),
]


def test_webcare_without_thread_information_is_not_measured_rather_than_zero(write_config, tmp_path):
    from luisterpost.metrics.compute import compute
    from luisterpost.metrics.output import to_json

    config = _report_config(write_config)
    con = _store(config, tmp_path, EXPORT_ROWS)
    october = Period.month(2026, 10, config.municipality.tz)
    printed = __import__("json").loads(to_json(compute(con, config, october)))
    response, broadcast = printed["response"], printed["broadcasting"]
    assert (response["cases"], response["rate"], response["within_norm_share"]) == (None, None, None)
    assert response["reason"].startswith("no thread information")
    assert [r["platform"] for r in response["not_measured"]] == ["facebook"]
    [facebook] = printed["by_platform"]
    assert (facebook["mentions"], facebook["cases"], facebook["answered"], facebook["response_rate"]) == (3, None, None, None)
    assert (broadcast["own_posts"], broadcast["measured"], broadcast["broadcast_share"], broadcast["reply_share"]) == (
        2, 0, None, None)
    assert broadcast["reason"].startswith("no thread information")
    assert broadcast["not_measured"][0]["platform"] == "facebook" and broadcast["not_measured"][0]["own_posts"] == 2
    _, values, figs = _values(config, con, october, AFTER_OCTOBER)
    tiles = _tiles(values)
    assert [tiles[k]["value"] for k in ("Reactiepercentage", "Mediane eerste reactie", "Binnen de norm",
                                        "Zenden vs luisteren")] == ["–", "–", "–", "–"]
    assert tiles["Reactiepercentage"]["sentence"] == (
        "Niet te meten: de berichten hebben geen gespreksinformatie (zie onder).")
    assert values["response_not_measured"].startswith("Niet te meten: de berichten van Facebook hebben geen")
    assert tiles["Zenden vs luisteren"]["sentence"] == values["response_not_measured"]
    assert values["response_platforms"] == [{"name": "Facebook", "measured": False}]
    assert [(r["name"], r["cases"], r["rate"]) for r in values["platforms"]] == [("Facebook", "–", "–")]  # not "0"
    assert not values["has_cases"] and "response_bands" not in figs


def test_reach_without_followers_or_interactions_is_unknown_rather_than_zero(write_config, tmp_path):
    from luisterpost.metrics.compute import compute

    config = _report_config(write_config)
    con = _store(config, tmp_path, EXPORT_ROWS)  # an export without follower or interaction columns
    october = Period.month(2026, 10, config.municipality.tz)
    assert compute(con, config, october)["reach"] == {
        "potential_reach": None, "unique_author_reach": None, "engagement": None, "earned_impressions": None}
    _, values, _ = _values(config, con, october, AFTER_OCTOBER)
    assert [r["value"] for r in values["reach"]] == ["–", "–", "–", "–"]
    assert values["reach"][0]["note"].startswith("Onbekend: de berichten van deze periode vermelden geen volgers")
    assert values["top_posts"] == [] and values["top_posts_empty"].startswith("De berichten van deze periode vermelden geen interacties")
    # One post with a follower count makes the reach known again (the others count as 0).
    con.execute("UPDATE mentions SET author_followers = 120 WHERE id = 'e1'")
    reach = compute(con, config, october)["reach"]
    assert (reach["potential_reach"], reach["unique_author_reach"], reach["engagement"]) == (120, 120, None)
    assert reach["earned_impressions"] == 12.0


def test_a_platform_without_thread_information_is_left_out_of_the_response_figures(write_config, tmp_path):
    from luisterpost.metrics.compute import compute

    config = _report_config(write_config)
    con = _store(config, tmp_path, [r for r in WEBCARE_ROWS if r["id"].startswith("o")] + EXPORT_ROWS)
    result = compute(con, config, Period.month(2026, 10, config.municipality.tz))
    assert (result["response"]["cases"], result["response"]["answered"], result["response"]["reason"]) == (4, 1, None)
    assert [r["platform"] for r in result["response"]["not_measured"]] == ["facebook"]
    by_platform = {r["platform"]: (r["cases"], r["answered"]) for r in result["by_platform"].to_dicts()}
    assert by_platform == {"mastodon": (4, 1), "facebook": (None, None)}
    # Own posts on Mastodon: one reply; the two on Facebook cannot be told apart.
    broadcast = result["broadcasting"]
    assert (broadcast["own_posts"], broadcast["measured"], broadcast["replies"], broadcast["reply_share"]) == (3, 1, 1, 1.0)
    _, values, _ = _values(config, con, Period.month(2026, 10, config.municipality.tz), AFTER_OCTOBER)
    assert _tiles(values)["Reactiepercentage"]["sentence"].endswith(
        "Zonder Facebook: daar hebben de berichten geen gespreksinformatie, dus een antwoord is niet te herkennen.")
    assert [(r["name"], r["measured"]) for r in values["response_platforms"]] == [("Mastodon", True), ("Facebook", False)]


def test_residents_are_counted_as_a_group_and_never_ranked(write_config, tmp_path, monkeypatch):
    monkeypatch.setenv("LUISTERPOST_PSEUDONYM_KEY", "test-key, the same on every machine")
    config = _report_config(write_config)
    rows = [r for r in WEBCARE_ROWS if r["id"].startswith("o")] + [
        _mention("m1", "2026-10-09T10:00:00+02:00", "omroep", "Nieuws uit Lindeveen", platform="news",
                 author_followers=61000),
        _mention("m2", "2026-10-10T10:00:00+02:00", "anouk", "nog een bericht")]
    con = _store(config, tmp_path, rows, labels={"o3": "negatief", "o5": "negatief"})
    _, values, _ = _values(config, con, Period.month(2026, 10, config.municipality.tz), AFTER_OCTOBER)
    assert values["author_groups"] == [
        {"group": "Eigen accounts", "authors": "1", "mentions": "1", "negative": "0"},
        {"group": "Media en publieke accounts", "authors": "1", "mentions": "1", "negative": "0"},
        {"group": "Inwoners", "authors": "4", "mentions": "5", "negative": "2"}]
    assert values["own_accounts"] == [{"author": "gemeentex", "platform": "Mastodon", "mentions": "1", "followers": "–"}]
    assert values["platforms"][0]["name"] in ("Mastodon", "Nieuws") and {r["name"] for r in values["platforms"]} == {
        "Mastodon", "Nieuws"}


def test_a_running_month_is_marked_and_compared_per_day(write_config, tmp_path):
    config = _report_config(write_config)
    rows = [_mention(f"s{i}", f"2026-09-{i + 1:02d}T10:00:00+02:00", "eva") for i in range(3)]  # 3 in 30 days
    rows += [_mention(f"o{i}", f"2026-10-{i + 1:02d}T10:00:00+02:00", "bas") for i in range(6)]  # 6 in 15 days
    con = _store(config, tmp_path, rows)
    made = datetime(2026, 10, 16, 8, 0, tzinfo=UTC)
    _, values, _ = _values(config, con, Period.month(2026, 10, config.municipality.tz), made)
    assert values["running"] and values["period_name"] == "oktober 2026 (lopende maand, t/m 15 oktober)"
    mentions = _tiles(values)["Vermeldingen"]
    # 0,4 a day against 0,1 a day in September: +300% per day, not +100% for a half month.
    assert mentions["change"] == "+300% per dag t.o.v. september 2026"
    assert mentions["sentence"] == "6 vermeldingen, per dag 300% meer dan september 2026."
    assert _tiles(values)["Reactiepercentage"]["change"] == "lopende periode: nog geen vergelijking"
    _, done, _ = _values(config, con, Period.month(2026, 10, config.municipality.tz), AFTER_OCTOBER)
    assert not done["running"] and _tiles(done)["Vermeldingen"]["change"] == "+100% t.o.v. september 2026"


def test_singular_and_plural_in_both_languages(write_config, tmp_path):
    from luisterpost.report.render import labels
    from luisterpost.report.texts import say

    nl, en = labels()["nl"], labels()["en"]
    assert say(nl, "thin_data", 1, count="1").startswith("Er is maar 1 vermelding in")
    assert say(nl, "thin_data", 2, count="2").startswith("Er zijn maar 2 vermeldingen in")
    assert say(en, "s_mentions", 1, value="1", change="x") == "1 mention, x."
    assert say(en, "s_mentions", 3, value="3", change="x") == "3 mentions, x."
    config = _report_config(write_config)
    con = _store(config, tmp_path, [_mention("o1", "2026-10-05T10:00:00+02:00", "anouk")])
    _, values, _ = _values(config, con, Period.month(2026, 10, config.municipality.tz), AFTER_OCTOBER, lang="en")
    assert values["thin_text"].startswith("There is only 1 mention in this period")
    assert _tiles(values)["Mentions"]["sentence"].startswith("1 mention, ")


def test_every_platform_has_a_display_name_in_both_languages():
    from luisterpost.handles import PLATFORMS
    from luisterpost.report.render import labels
    from luisterpost.report.texts import platform_label

    for lang in ("nl", "en"):
        t = labels()[lang]
        assert set(PLATFORMS.values()) | {"onbekend"} <= set(t["platform_names"])
        assert platform_label(t, "twitter") == "X (Twitter)" and platform_label(t, "eigen_forum") == "eigen_forum"
        assert platform_label(t, "x") == "X (Twitter)"  # as an export may have stored it
    assert (platform_label(labels()["nl"], "news"), platform_label(labels()["en"], "news")) == ("Nieuws", "News")


def test_texts_are_clipped_on_a_word_boundary():
    from luisterpost.report.texts import clip

    assert clip("kort", 320) == "kort" and clip(None, 320) == ""
    assert clip("de stoep is kapot bij de school", 20) == "de stoep is kapot…"
    assert clip("x" * 100, 20) == "x" * 19 + "…"  # no space to cut at: cut hard
    long = "woord " * 100_000
    assert len(clip(long, 320)) <= 320 and clip(long, 320).endswith("woord…")


def test_each_post_once_per_table_and_long_texts_clipped_for_print(write_config, tmp_path):
    config = _report_config(write_config)
    long = "de stoep is kapot " * 40_000  # 720,000 characters
    rows = [_mention("p1", "2026-10-05T10:00:00+02:00", "anouk", "Wmo-aanvraag weer afgewezen", likes=50),
            _mention("p2", "2026-10-05T11:00:00+02:00", "bas", "Wmo-aanvraag  weer afgewezen", platform="facebook",
                     likes=40),
            _mention("p3", "2026-10-06T10:00:00+02:00", "carla", long, likes=30),
            _mention("p4", "2026-10-07T10:00:00+02:00", "dirk", "iets anders", likes=20)]
    con = _store(config, tmp_path, rows)
    _, values, _ = _values(config, con, Period.month(2026, 10, config.municipality.tz), AFTER_OCTOBER)
    posts = values["top_posts"]
    assert [p["engagement"] for p in posts] == ["50", "30", "20"]  # the same text on Facebook is left out
    # 319 characters before the ellipsis end inside the 18th "de stoep is kapot ": cut at its last space.
    assert posts[1]["text_print"] == "de stoep is kapot " * 17 + "de stoep is…"
    assert len(posts[1]["text"]) <= 2000 and posts[1]["text"].endswith("…")
    # In the PDF the long post takes a few lines, not hundreds of pages.
    from luisterpost.report.render import render_pdf

    from .test_report import pages, pdf_text

    render_pdf(values, {}, "monthly", tmp_path / "report.pdf")  # figures left out: only the tables matter here

    assert pages(tmp_path / "report.pdf") <= 12
    assert pdf_text(tmp_path / "report.pdf").count("de stoep is kapot") < 100


def test_theme_and_woonkern_tables_say_what_they_leave_out_and_count_twice(write_config, tmp_path):
    from luisterpost.metrics.compute import compute
    from .conftest import store_enrichment

    config = _report_config(write_config)
    rows = [_mention("t1", "2026-10-05T10:00:00+02:00", "anouk"), _mention("t2", "2026-10-06T10:00:00+02:00", "bas"),
            _mention("t3", "2026-10-07T10:00:00+02:00", "carla")]
    con = _store(config, tmp_path, rows)
    con.execute("DELETE FROM enrichments")
    store_enrichment(con, "mastodon", "t1", "neutraal", ["verkeer"], ["Heikamp", "Oosterbroek"])
    store_enrichment(con, "mastodon", "t2", "neutraal", ["verkeer", "afval"], ["Heikamp"])
    store_enrichment(con, "mastodon", "t3", "neutraal", [], [])
    october = Period.month(2026, 10, config.municipality.tz)
    result = compute(con, config, october)
    assert result["woonkern_tags"] == {"mentions": 3, "without": 1, "several": 1}
    assert result["theme_tags"] == {"mentions": 3, "without": 1, "several": 1}
    _, values, _ = _values(config, con, october, AFTER_OCTOBER)
    assert values["woonkernen_note"] == ("Niet in deze tabel: 1 van de 3 vermeldingen (zonder woonkern). "
                                         "Bij meer dan één woonkern geteld: 1.")
