"""The crisis brief: each figure on given rows → expected values (docs/metrics.md, "Crisisbrief"), the window's
checks, and the brief gathered and rendered from a real DuckDB."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from luisterpost import filters
from luisterpost.config import load_config
from luisterpost.errors import UserError
from luisterpost.metrics import crisis
from luisterpost.report.crisis import gather_crisis, render_crisis

from .conftest import ACCOUNTS, store_enrichment

TZ = "Europe/Amsterdam"
# 8 October 2026 06:00–09:00 in Amsterdam (summer time, UTC+2).
START, END = datetime(2026, 10, 8, 4, tzinfo=UTC), datetime(2026, 10, 8, 7, tzinfo=UTC)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=UTC)


def frame(rows: list[dict]) -> pl.DataFrame:
    """Mentions as the crisis figures read them (compute.prepare's columns that matter), defaults filled in."""
    base = {"platform": "facebook", "is_own": False, "sentiment_label": "neutraal", "themes": [], "woonkernen": [],
            "text": "", "author_key": "a", "likes": 0, "reposts": 0, "replies": 0, "quotes": 0}
    full = [{**base, **row} for row in rows]
    return pl.DataFrame(full, schema_overrides={"created_at": pl.Datetime("us", "UTC"),
                                                "themes": pl.List(pl.String), "woonkernen": pl.List(pl.String)})


def test_hourly_counts_every_local_hour_and_platform_and_the_negative_share():
    posts = frame([
        {"created_at": utc(8, 4, 10), "sentiment_label": "negatief"},
        {"created_at": utc(8, 4, 50), "sentiment_label": "positief", "platform": "mastodon"},
        {"created_at": utc(8, 4, 55), "sentiment_label": "negatief", "is_own": True},  # own: not counted
        {"created_at": utc(8, 6, 5), "sentiment_label": "neutraal"},
    ])
    rows = crisis.hourly(posts, START, END, TZ)
    hour = lambda h: datetime(2026, 10, 8, h)  # noqa: E731 — local wall-clock time
    assert rows.rows() == [
        (hour(6), "facebook", 1, 1, 0, 0.5), (hour(6), "mastodon", 1, 0, 1, 0.5),
        (hour(7), "facebook", 0, 0, 0, None), (hour(7), "mastodon", 0, 0, 0, None),  # a quiet hour stays
        (hour(8), "facebook", 1, 0, 0, 0.0), (hour(8), "mastodon", 0, 0, 0, 0.0),
    ]


def test_feeling_compares_the_window_with_the_seven_days_before():
    window = frame([{"created_at": utc(8, 5), "sentiment_label": label}
                    for label in ["negatief"] * 3 + ["positief", "neutraal"]])
    before = frame([{"created_at": utc(3, 12), "sentiment_label": label}
                    for label in ["negatief", "positief", "positief", "positief"]])
    felt = crisis.feeling(window, before)
    assert felt["posts"] == 5 and felt["negative_share"] == pytest.approx(0.6)
    assert felt["net_sentiment"] == pytest.approx(-0.5)  # (1 − 3) / (1 + 3)
    assert felt["before_net_sentiment"] == pytest.approx(0.5) and felt["net_change"] == pytest.approx(-1.0)
    assert crisis.feeling(window, before.head(0))["net_change"] is None  # nothing before: no comparison


def test_woonkernen_and_themes_against_the_seven_days_before_scaled_to_the_window():
    window = frame([{"created_at": utc(8, 5), "woonkernen": ["Oosterbroek"]}] * 6
                   + [{"created_at": utc(8, 5), "woonkernen": ["Heikamp"]}]
                   + [{"created_at": utc(8, 5), "woonkernen": ["Heikamp"], "is_own": True}])
    before = frame([{"created_at": utc(2, 12), "woonkernen": ["Oosterbroek"]}] * 28)
    # 28 posts in 168 hours is 0.5 in a window of 3 hours.
    assert crisis.against_usual(window, before, "woonkernen", 3, 168) == [
        {"name": "Oosterbroek", "posts": 6, "usual": 0.5, "factor": 12.0},
        {"name": "Heikamp", "posts": 1, "usual": 0.0, "factor": None},  # never named before: new
    ]


def test_near_identical_posts_group_without_links_handles_or_case():
    texts = [
        "Boom op ons huis aan de Kerkstraat! Niemand neemt op bij de gemeente",
        "boom op ons huis aan de kerkstraat niemand neemt op bij de gemeente https://x.example/1 @jan",
        "Boom op ons huis aan de Kerkstraat in Oosterbroek! Niemand neemt op bij de gemeente",  # a variant
        "De dijk bij Ruiterveld is doorgebroken, zeggen ze",
        "Oké, bedankt", "Oké, bedankt",  # short: many say it, no rumour
    ]
    assert crisis.near_duplicates(texts) == [0, 0, 0, 3, 4, 5]
    assert crisis.normalised("Kijk: https://a.nl/x @Piet u/kees inwoner-0a1b2c3d WOW!!") == "kijk wow"


def test_rumours_need_several_posts_by_several_residents():
    story = "Er zijn geruchten dat de dijk bij Ruiterveld is doorgebroken"
    window = frame(
        [{"created_at": utc(8, 4, m), "text": story, "author_key": f"r{m}"} for m in (5, 20, 40)]
        + [{"created_at": utc(8, 5, m), "text": "Ik blijf dit zeggen: het water staat bij de school", "author_key": "x"}
           for m in (1, 2, 3)]  # one resident repeating themself
        + [{"created_at": utc(8, 4, 1), "text": story, "is_own": True, "author_key": "own"}])  # the denial's quote
    found = crisis.rumours(window)
    assert found.select("posts", "authors", "first").rows() == [(3, 3, utc(8, 4, 5))]
    assert window["text"][found["row"][0]] == story


def test_most_shared_posts_are_residents_posts_by_engagement():
    window = frame([
        {"created_at": utc(8, 4), "likes": 5, "text": "a"},
        {"created_at": utc(8, 5), "likes": 2, "reposts": 3, "text": "b"},  # 5 as well, later
        {"created_at": utc(8, 5), "likes": 99, "is_own": True, "text": "own"},
        {"created_at": utc(8, 6), "likes": 1, "quotes": 8, "text": "c"},
        {"created_at": utc(8, 6), "text": "nothing"},
    ])
    assert crisis.most_shared(window)["text"].to_list() == ["c", "a", "b"]


# A real database: the municipality, residents, replies and questions on 8 October (times in UTC).
ROWS = [
    # platform, id, minutes after 04:00 UTC, author, text, label, reply to, likes, question
    ("bluesky", "own1", 10, "gemeentelindeveen.bsky.social", "Er zijn geruchten over de dijk. Dat klopt niet.",
     "neutraal", None, 40, False),
    ("bluesky", "r1", 20, "piet.bsky.social", "Waarom zegt niemand iets over de dijk? Bel 06-12345678", "negatief",
     "own1", 3, True),
    ("bluesky", "r2", 25, "anna.bsky.social", "Dank voor het bericht", "positief", "own1", 0, False),
    ("bluesky", "own2", 30, "gemeentelindeveen.bsky.social", "@anna.bsky.social graag gedaan", "positief", "r2",
     0, False),
    ("bluesky", "q1", 50, "kees.bsky.social", "@gemeentelindeveen.bsky.social wanneer komt de stroom terug?",
     "neutraal", None, 1, True),
    ("bluesky", "late", 200, "kees.bsky.social", "@gemeentelindeveen.bsky.social nog steeds geen stroom",
     "negatief", None, 0, True),  # after the window
    ("bluesky", "old", -60 * 24 * 3, "piet.bsky.social", "Mooi weer vandaag", "positief", None, 0, False),
]


def store(db, rows=ROWS) -> None:
    for platform, id, minutes, author, text, label, parent, likes, question in rows:
        db.execute("INSERT INTO mentions (platform, id, created_at, author_handle, author_followers, text, url,"
                   " in_reply_to_id, likes, source, first_seen_at, updated_at)"
                   " VALUES (?, ?, ?, ?, 50, ?, ?, ?, ?, 't', now(), now())",
                   [platform, id, START + timedelta(minutes=minutes), author, text,
                    f"https://bsky.app/profile/{author}/post/{id}", parent, likes])
        store_enrichment(db, platform, id, label, ("veiligheid",), ("Ruiterveld",), question=question)


@pytest.fixture
def config(write_config):
    return load_config(write_config(ACCOUNTS))


def test_the_brief_gathered_from_a_database(db, config):
    store(db)
    data = gather_crisis(db, config, START, END)
    assert data.posts == 3  # r1, r2, q1: own posts and the later post are not in the window's count
    assert data.feeling["before_posts"] == 1 and data.feeling["before_net_sentiment"] == pytest.approx(1.0)
    assert data.own_totals == {"posts": 2, "announcements": 1, "answers": 1, "reactions": 2,
                               "negative_share": 0.5, "net_sentiment": 0.0}
    own = data.own.row(0, named=True)
    assert (own["reactions"], own["reactions_negative"], own["reactions_positive"]) == (2, 1, 1)
    # Open at the window's end: r1 (the own reply went to r2) and q1, oldest first; "late" began after it.
    assert data.open_total == 2 and data.open_questions == 2
    assert data.open_cases["started_at"].to_list() == [START + timedelta(minutes=20), START + timedelta(minutes=50)]
    # Masked and pseudonymised: no phone number, no resident's handle or link anywhere shown.
    shown = " ".join([*data.open_cases["text"], *data.shared["text"], *data.open_cases["author"],
                      *data.shared["author"], *[u or "" for u in data.shared["url"]]])
    assert "06-12345678" not in shown and "[telefoon]" in shown
    assert "piet" not in shown and "kees" not in shown and "bsky.app" not in shown
    assert "@gemeentelindeveen.bsky.social" in shown  # the municipality's own handle stays
    assert data.shared["engagement"].to_list() == [3, 1]
    # One post in the 7 days before: 1 × 3 / 168 usual in 3 hours, so 3 posts are 168 times as many.
    assert data.places == [{"name": "Ruiterveld", "posts": 3, "usual": pytest.approx(3 / 168), "factor": pytest.approx(168)}]


def test_the_brief_as_html_with_its_policy(db, config, tmp_path):
    store(db)
    made = render_crisis(db, config, START, END, tmp_path, formats=("html",))
    assert made.pdf is None and made.html.name == "luisterpost-lindeveen-crisis-2026-10-08T0600-tot-2026-10-08T0900-nl.html"
    html = made.html.read_text(encoding="utf-8")
    assert 'http-equiv="Content-Security-Policy"' in html and 'id="plot-hourly"' in html
    assert "8 oktober 2026 06:00 – 8 oktober 2026 09:00" in html
    assert "Vragen die op antwoord wachten" in html and "[telefoon]" in html
    assert "piet.bsky.social" not in html and "bsky.app/profile/piet" not in html
    english = render_crisis(db, config, START, END, tmp_path, formats=("html",), lang="en").html
    assert "Questions waiting for an answer" in english.read_text(encoding="utf-8")


def test_a_window_without_posts_says_so_instead_of_an_empty_chart(db, config, tmp_path):
    html = render_crisis(db, config, START, END, tmp_path, formats=("html",)).html.read_text(encoding="utf-8")
    assert "Geen berichten van inwoners in het venster (8 oktober 2026 06:00 – 8 oktober 2026 09:00)." in html
    assert 'id="plot-hourly"' not in html


def test_the_window_is_read_in_local_time_with_hours_or_days(config):
    assert filters.crisis_window(config, "2026-10-08T06:00", "2026-10-09 12") == (utc(8, 4), utc(9, 10))
    # Days alone: from the start of the first to the end of the last (as --to means for other reports).
    assert filters.crisis_window(config, "2026-10-08", "2026-10-09") == (utc(7, 22), utc(9, 22))
    # The clocks go back on 25 October: 06:00 that day is UTC+1.
    assert filters.crisis_window(config, "2026-10-24T06:00", "2026-10-25T06:00") == (utc(24, 4), utc(25, 5))


@pytest.mark.parametrize(("start", "end", "message"), [
    ("2026-10-09T12:00", "2026-10-08T06:00", "--to 2026-10-08T06:00 is not after --from 2026-10-09T12:00"),
    ("2026-10-08T06:00", "2026-10-08T06:00", "--to 2026-10-08T06:00 is not after --from 2026-10-08T06:00"),
    ("2026-10-01T00:00", "2026-10-15T01:00", "14 days; a crisis brief covers at most 14 days"),
    ("2026-10-08T25:00", "2026-10-09T12:00", "--from '2026-10-08T25:00': not a moment like 2026-10-08T06:00"),
    ("8 oktober", "2026-10-09T12:00", "--from '8 oktober': not a moment like 2026-10-08T06:00 or a date"),
    (None, "2026-10-09T12:00", "a crisis brief needs --from and --to"),
])
def test_a_bad_window_is_refused_with_what_is_wrong(config, start, end, message):
    with pytest.raises(UserError, match=message):
        filters.crisis_window(config, start, end)


def test_hours_are_only_for_the_crisis_brief(config):
    with pytest.raises(UserError, match=r"not a date like 2026-10-01 \(hours only for --kind crisis\)"):
        filters.period(config, START.date(), None, "2026-10-08T06:00", "2026-10-09")


def test_the_command_refuses_a_bad_window_without_a_traceback(write_config):
    path = str(write_config(ACCOUNTS))
    result = subprocess.run([sys.executable, "-m", "luisterpost", "--config", path, "report", "--kind", "crisis",
                             "--from", "2026-10-09T12:00", "--to", "2026-10-08T06:00", "--format", "html"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "--to 2026-10-08T06:00 is not after --from 2026-10-09T12:00" in result.stderr
    assert "Traceback" not in result.stderr
