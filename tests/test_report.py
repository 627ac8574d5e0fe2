"""The reports: the monthly management report and the alderman report, as HTML (golden file, headless Chromium)
and PDF (pages, headline text, fonts), with hostile post texts, and with empty and thin data."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from luisterpost.config import load_config
from luisterpost.enrich.run import enrich_pending, matcher_for
from luisterpost.harvest import harvest_source
from luisterpost.metrics.compute import Filters
from luisterpost.metrics.period import Period
from luisterpost.report.data import gather
from luisterpost.report.render import render_html, render_report, report_values
from luisterpost.sources import build_source
from luisterpost.store import open_db

from .clicking import run_in_page
from .conftest import ACCOUNTS

GOLDEN = Path(__file__).parent / "golden"
CLOCK = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)  # the fixed "generated on" moment
HOSTILE = [  # (id, text): posts that try to run code in the report
    ("x1", "<script>document.body.setAttribute('data-pwned', 'script')</script> de weg is kapot"),
    ("x2", "<img src=x onerror=\"document.body.setAttribute('data-pwned', 'img')\"> slecht geregeld"),
]


def write_demo_config(folder: Path, months: int = 2, extra: str = "") -> Path:
    path = folder / "gemeente.toml"
    text = (resource_toml().replace('database = "../data/{slug}.duckdb"', 'database = "db.duckdb"')
            .replace("months = 13", f"months = {months}").replace("# until = 2026-10-31", "until = 2026-10-31")
            .replace('path = "../data/drop"', 'path = "drop"'))
    path.write_text(text + textwrap.dedent(extra), encoding="utf-8")
    (folder / "drop").mkdir(exist_ok=True)
    return path


def resource_toml() -> str:
    from luisterpost.paths import resource_dir

    return (resource_dir("examples") / "lindeveen.toml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Two months of the demo municipality (ending 2026-10-31), harvested and enriched, plus two hostile posts;
    the pseudonym key fixed, so names are the same on every machine."""
    folder = tmp_path_factory.mktemp("demo")
    before = os.environ.get("LUISTERPOST_PSEUDONYM_KEY")
    os.environ["LUISTERPOST_PSEUDONYM_KEY"] = "test-key, the same on every machine"
    config = load_config(write_demo_config(folder))
    con = open_db(config.database_path)
    for settings in config.sources:
        if settings.kind == "demo":
            harvest_source(con, build_source(config, settings, now=datetime(2026, 11, 1, 3, tzinfo=UTC)))
    for post_id, text in HOSTILE:
        con.execute("INSERT INTO mentions (platform, id, created_at, author_handle, author_followers, text, lang, source,"
                    " first_seen_at, updated_at, likes) VALUES ('mastodon', ?, ?, '<b>boos</b>', 10, ?, 'nl', 'test',"
                    " now(), now(), 5000)", [post_id, datetime(2026, 10, 20, 12, tzinfo=UTC), text])
    enrich_pending(con, matcher_for(config))
    yield config, con
    con.close()
    if before is None:
        os.environ.pop("LUISTERPOST_PSEUDONYM_KEY", None)
    else:
        os.environ["LUISTERPOST_PSEUDONYM_KEY"] = before


def month(config):
    return Period.month(2026, 10, config.municipality.tz)


def test_monthly_html_matches_the_golden_file(demo):
    config, con = demo
    data = gather(con, config, month(config))
    values, figs = report_values(data, config, "monthly", "nl", CLOCK)
    html = render_html(values, figs, "monthly", plotly_js="/* plotly.js */")
    golden = GOLDEN / "monthly-2026-10-nl.html"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(html, encoding="utf-8")
    assert html == golden.read_text(encoding="utf-8"), "the report changed: look at it, then UPDATE_GOLDEN=1 pytest"
    # What the golden file holds, in words a manager reads.
    assert "Maandrapportage online luisteren" in html and "oktober 2026" in html and "2 november 2026 10:30" in html
    for section in ("Samenvatting", "Beeld van de gemeente", "Bereik en topberichten", "Webcare", "Pieken en crises",
                    "Woonkernen", "Werkwijze"):
        assert f">{section}</h2>" in html and f">{section}</a>" in html  # the section and its contents entry


def test_monthly_and_alderman_pdfs(demo, tmp_path):
    config, con = demo
    monthly = render_report(con, config, month(config), tmp_path, formats=("pdf",), generated_at=CLOCK)[0].pdf
    alderman = render_report(con, config, month(config), tmp_path, kind="alderman", filters=Filters(theme="verkeer"),
                             formats=("pdf",), generated_at=CLOCK)[0].pdf
    assert alderman.name == "luisterpost-lindeveen-alderman-verkeer-2026-10-nl.pdf"
    assert 8 <= pages(monthly) <= 20 and 2 <= pages(alderman) <= 4
    text = pdf_text(monthly)
    assert "Maandrapportage online luisteren" in text and "oktober 2026" in text
    assert re.search(r"Samenvatting \.* ?3", text) or "Samenvatting 3" in text  # contents with page numbers
    assert "Reactiepercentage" in text and "Eerste reactietijd (kantoortijd)" in text
    for pdf in (monthly, alderman):
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout.splitlines()[2:]
        assert fonts and all(" yes " in line for line in fonts)  # every font embedded
    assert "Portefeuille-rapportage" in pdf_text(alderman) and "verkeer" in pdf_text(alderman)
    # A table that fits on a page is not split across two: every platform row of the webcare table is on the
    # page of its heading.
    page = next(p for p in page_texts(monthly) if "Webcare per platform" in p)
    rows = page.split("Webcare per platform", 1)[1]
    assert all(name in rows for name in ("Facebook", "Mastodon", "Bluesky", "Instagram", "YouTube"))
    assert "Alleen:" not in pdf_text(alderman)  # the portfolio is the title, not repeated as a filter
    # Hostile texts are text in the PDF too.
    assert "<script>document.body" in text.replace(" ", "")  # wherever the narrow text column wraps it


def test_an_alderman_report_per_portfolio_without_a_theme(demo, tmp_path):
    config, con = demo
    out = tmp_path / "rapporten"
    written = render_report(con, config, month(config), out, kind="alderman", formats=("html",), generated_at=CLOCK)
    assert sorted(r.html.name for r in written) == sorted(
        f"luisterpost-lindeveen-alderman-{theme}-2026-10-nl.html" for theme in config.terms.portfolios)
    # For the organisation: the owner's group may read them (docs/operations.md, Sleutels en bestanden).
    assert {stat.S_IMODE(r.html.stat().st_mode) for r in written} == {0o640}
    assert stat.S_IMODE(out.stat().st_mode) == 0o750


def test_hostile_posts_are_shown_as_text_and_never_run_in_a_browser(demo, tmp_path):
    config, con = demo
    html_path = render_report(con, config, month(config), tmp_path, formats=("html",), generated_at=CLOCK)[0].html
    html = html_path.read_text(encoding="utf-8")
    assert "&lt;script&gt;document.body.setAttribute" in html and "&lt;img src=x onerror=" in html
    assert "<script>document.body.setAttribute" not in html and "<img src=x" not in html
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("Chromium is missing: make installs Debian's chromium package")
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=15000",
                          "--dump-dom", html_path.as_uri()], capture_output=True, text=True, timeout=120).stdout
    body = re.search(r"<body[^>]*>", dom)
    assert body and "data-pwned" not in body.group(0)  # neither the script nor the onerror handler ran
    figures = len(re.findall(r'<figure class="chart" id="chart-', html))
    rendered = len(set(re.findall(r'id="plot-([a-z_]+)"[^>]*class="[^"]*js-plotly-plot', dom)))
    assert figures >= 8 and rendered == len(re.findall(r'id="plot-', html))  # every chart drawn by plotly.js
    assert dom.count('class="main-svg"') >= rendered


def test_tables_sort_when_a_heading_is_clicked(demo, tmp_path):
    """Click a heading in headless Chromium (the browser's DevTools do the clicks): numbers shown the Dutch
    way ("1.234", "45%") sort as numbers, a second click reverses."""
    config, con = demo
    html = render_report(con, config, month(config), tmp_path, formats=("html",), generated_at=CLOCK)[0].html
    up, down = run_in_page(html, (
        "(() => { var th = document.querySelectorAll('#webcare table.sortable')[0].tHead.rows[0].cells[1];"
        " var column = () => Array.from(th.closest('table').tBodies[0].rows).map(r => r.cells[1].textContent);"
        " th.click(); var up = column(); th.click(); return [up, column()]; })()"))
    numbers = [int(v.replace(".", "")) for v in up]
    assert len(numbers) >= 3 and numbers == sorted(numbers) and numbers != sorted(numbers, reverse=True)
    assert down == up[::-1]


def test_an_empty_database_gives_a_readable_report(tmp_path, write_config):
    config = load_config(write_config(ACCOUNTS + '[storage]\ndatabase = "leeg.duckdb"\n'))
    con = open_db(config.database_path)
    written = render_report(con, config, month(config), tmp_path / "out", generated_at=CLOCK)[0]
    html = written.html.read_text(encoding="utf-8")
    assert "Er zijn voor deze periode geen vermeldingen opgeslagen." in html
    assert "Geen pieken of crises in deze periode" in html and "Nog geen maanden met berichten" in html
    assert 'id="plot-' not in html  # no empty charts: the text says why instead
    assert 4 <= pages(written.pdf) <= 12
    alderman = render_report(con, config, month(config), tmp_path / "out", kind="alderman",
                             filters=Filters(theme=None), generated_at=CLOCK)
    assert alderman == []  # no portfolios configured: nothing to report on, nothing written


def test_a_thin_period_and_english(demo, tmp_path):
    config, con = demo
    period = Period(datetime(2026, 10, 20).date(), datetime(2026, 10, 20).date(), config.municipality.tz)
    written = render_report(con, config, period, tmp_path, filters=Filters(platform="mastodon", woonkern="Heikamp"),
                            formats=("html",), lang="en", generated_at=CLOCK)[0]
    assert written.html.name == "luisterpost-lindeveen-platform-mastodon-woonkern-heikamp-2026-10-20-tot-2026-10-20-en.html"
    html = written.html.read_text(encoding="utf-8")
    assert "Online listening report" in html and "20 October 2026" in html
    assert re.search(r"There are only \d+ mentions in this period", html) or "No mentions are stored" in html


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1))


def page_texts(pdf: Path) -> list[str]:
    """The text of each page (pdftotext ends every page with a form feed)."""
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout.split("\f")


def pdf_text(pdf: Path) -> str:
    return " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
