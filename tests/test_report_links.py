"""Links and the page's Content-Security-Policy in the HTML report: only http(s) URLs become links, and the
page runs only its own scripts and styles. In headless Chromium, on a report built from hostile posts."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from luisterpost.config import load_config
from luisterpost.enrich.run import enrich_pending, matcher_for
from luisterpost.harvest import harvest_source
from luisterpost.report.csp import policy, source_hash, with_policy
from luisterpost.report.data import gather
from luisterpost.report.links import safe_url
from luisterpost.report.render import render_html, report_values
from luisterpost.sources import build_source
from luisterpost.store import open_db
from luisterpost.store.mentions import INCOMING_SCHEMA, stage

from .clicking import click_every_link
from .test_report import CLOCK, month, write_demo_config

HOSTILE_URLS = [
    "javascript:document.title='pwned'",
    " JaVaScRiPt:document.title='pwned'",
    "\tjavascript:window.pwned=1",
    "java\tscript:window.pwned=1",  # browsers drop the tab and read javascript:
    "\x00javascript:window.pwned=1",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "http://user:pw@example.invalid/",
    "https://user@example.invalid/",
    "https://example.invalid\\@other.invalid/",  # a backslash is a slash to a browser: "@" before the path
    "//example.invalid/post",
    "/relative/post",
    "https:example.invalid",
    "https://",
    "https://example.invalid:port/",
    "https://example.invalid/a b",
    "",
    None,
    42,
]


@pytest.mark.parametrize("value", HOSTILE_URLS)
def test_anything_but_a_plain_web_address_is_not_a_link(value):
    assert safe_url(value) is None


@pytest.mark.parametrize(("value", "link"), [
    ("https://mastodon.example/@gemeente/1", "https://mastodon.example/@gemeente/1"),  # "@" in the path is fine
    ("HTTP://Example.invalid/x?y=1#z", "HTTP://Example.invalid/x?y=1#z"),
    ("  https://example.invalid/ok\n", "https://example.invalid/ok"),
    ("https://example.invalid:8443/", "https://example.invalid:8443/"),
])
def test_web_addresses_are_links(value, link):
    assert safe_url(value) == link


def test_harvested_links_that_are_not_web_addresses_are_left_out(db):
    """Every source's rows pass staging: the mention is kept, a link that is not http(s) is dropped."""
    urls = ["https://social.example/@anouk/1", "HTTP://example.invalid/x", " https://example.invalid/y ",
            *HOSTILE_URLS[:10], "https://example.invalid/a b"]
    table = pa.Table.from_pylist([
        {"seq": seq, "parse_error": None, "platform": "mastodon", "id": str(seq), "created_at": "2026-10-20T12:00:00Z",
         "author_handle": "anouk", "text": "de weg is kapot", "url": url} for seq, url in enumerate(urls)
    ], schema=INCOMING_SCHEMA)
    assert stage(db, table) == []  # no row rejected
    kept = dict(db.execute("SELECT seq, url FROM staged ORDER BY seq").fetchall())
    assert kept == {0: "https://social.example/@anouk/1", 1: "HTTP://example.invalid/x", 2: "https://example.invalid/y",
                    **{seq: None for seq in range(3, len(urls))}}


def test_the_policy_names_each_inline_block_by_hash_and_allows_no_loads():
    page = ('<!DOCTYPE html><html><head><meta charset="utf-8"><style>p { color: red }</style>'
            '<script>var a = 1;</script><script>var a = 1;</script><script type="text/javascript">\r\nvar b;</script>'
            '</head><body><p>x</p></body></html>')
    rules = dict(rule.split(" ", 1) for rule in policy(page).split("; "))
    assert rules["script-src"] == f"{source_hash('var a = 1;')} {source_hash(chr(10) + 'var b;')}"  # once each; CR LF read as LF
    assert rules["style-src"] == f"{source_hash('')} {source_hash('p { color: red }')}"
    assert source_hash("") == "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"  # the known SHA-256 of nothing
    assert (rules["default-src"], rules["connect-src"], rules["form-action"], rules["base-uri"]) == ("'none'",) * 4
    assert "unsafe-eval" not in policy(page) and "'unsafe-inline'" not in rules["script-src"] + rules["style-src"]
    placed = with_policy(page)
    assert placed.index('http-equiv="Content-Security-Policy"') < placed.index("<style>")  # before what it covers
    with pytest.raises(ValueError, match="self-contained"):
        policy('<meta charset="utf-8"><script src="https://cdn.example/plotly.js"></script>')
    with pytest.raises(ValueError, match="before any script"):
        with_policy('<script>var a;</script><meta charset="utf-8">')


SAFE = "https://example.invalid/bericht/1"
LINKED = [  # (url, text) of the posts with the most engagement in the report's month: the top posts table
    ("javascript:document.title='pwned'", "<script>window.pwned = 'script'</script> de weg is kapot"),
    (" JaVaScRiPt:window.pwned='mixed case'", "<img src=x onerror=\"window.pwned = 'img'\"> slecht geregeld"),
    ("vbscript:msgbox(1)", "<svg onload=\"alert('svg')\"></svg> geen antwoord"),
    ("data:text/html,<script>alert(1)</script>", "<a href=\"javascript:alert(1)\">klik</a> afval"),
    ("http://user:pw@example.invalid/", "<style>body { display: none }</style> parkeren"),
    (SAFE, "gewoon een bericht over de brug"),
]


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    """The demo month's HTML report (with the real plotly.js), its top posts the LINKED ones; their authors
    are public accounts, so their links are shown."""
    folder = tmp_path_factory.mktemp("hostile")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LUISTERPOST_PSEUDONYM_KEY", "test-key, long enough to be accepted")
        config = load_config(write_demo_config(folder))
        con = open_db(config.database_path)
        for settings in config.sources:
            if settings.kind == "demo":
                harvest_source(con, build_source(config, settings, now=datetime(2026, 11, 1, 3, tzinfo=UTC)))
        for n, (url, text) in enumerate(LINKED):  # stored directly, as old data or an import may hold them
            con.execute("INSERT INTO mentions (platform, id, created_at, author_handle, author_followers, text, url, lang,"
                        " source, first_seen_at, updated_at, likes) VALUES ('mastodon', ?, ?, ?, 500000, ?, ?, 'nl',"
                        " 'test', now(), now(), ?)",
                        [f"h{n}", datetime(2026, 10, 20, 12, tzinfo=UTC), f"krant{n}", text, url, 900_000 + n])
        enrich_pending(con, matcher_for(config))
        values, figs = report_values(gather(con, config, month(config)), config, "monthly", "nl", CLOCK)
        con.close()
    # The hostile links reached the template: what the page makes of them is what is tested.
    assert sorted(p["url"] for p in values["top_posts"]) == sorted(url for url, _ in LINKED)
    page = folder / "report.html"
    page.write_text(render_html(values, figs, "monthly"), encoding="utf-8")
    return page


def test_clicking_every_link_in_a_hostile_report_runs_nothing_and_charts_draw(hostile_report):
    html = hostile_report.read_text(encoding="utf-8")
    assert f'<a href="{SAFE}" rel="noopener noreferrer">' in html
    visit = click_every_link(hostile_report)
    assert visit.links and all(link.startswith("#") for link in visit.links[:-1]) and visit.links[-1] == SAFE
    assert visit.title_after == visit.title_before and "pwned" not in visit.title_after
    assert visit.pwned is None and visit.dialogs == []  # no script of a post ran, no alert opened
    assert visit.requested == [SAFE] and visit.navigations == [SAFE]  # the one web link went out, nothing else
    assert visit.violations == [] and visit.errors == []  # the page's own scripts and styles all allowed
    assert visit.charts >= 8 and visit.drawn == visit.charts  # every chart drawn by plotly.js under the policy


def test_the_policy_stops_what_would_get_past_the_escaping(hostile_report, tmp_path):
    """Were a link or markup from a post ever to reach the page unescaped, the policy still stops it."""
    injected = "".join(f'<p><a href="{url.strip()}">x</a></p>' for url, _ in LINKED[:2]) + \
        "<img src=x onerror=\"window.pwned = 'img'\"><script>window.pwned = 'script'</script>"
    page = tmp_path / "injected.html"
    page.write_text(hostile_report.read_text(encoding="utf-8").replace("</body>", injected + "</body>"), encoding="utf-8")
    visit = click_every_link(page)
    assert sum(link.lower().startswith("javascript:") for link in visit.links) == 2
    assert visit.title_after == visit.title_before and visit.pwned is None and visit.dialogs == []
    blocked = sorted(v.split()[0] for v in visit.violations if v.startswith("script-src"))
    # The onerror handler (an attribute), the inline script and both javascript: links (inline elements).
    assert blocked == ["script-src-attr"] + ["script-src-elem"] * 3
    assert visit.drawn == visit.charts
