"""The checks of what a user asks for (luisterpost/filters.py), shared by the command line and the flows, and the
file names that carry every choice."""

from __future__ import annotations

from datetime import date

import pytest

from luisterpost import filters
from luisterpost.config import load_config
from luisterpost.errors import UserError
from luisterpost.filenames import file_stem
from luisterpost.metrics.compute import Filters
from luisterpost.metrics.period import Period

CONFIG = """
[terms]
woonkernen = ["Heikamp", "Oosterbroek", "Centrum"]

[terms.portfolios]
verkeer = ["drempel"]
Centrum = ["binnenstad"]
"""


@pytest.fixture
def config(write_config):
    return load_config(write_config(CONFIG))


@pytest.mark.parametrize(("given", "stored"), [("mastodon", "mastodon"), ("Mastodon", "mastodon"),
                                               ("X", "twitter"), ("x (Twitter)", "twitter"), (" Nieuws ", "news")])
def test_a_platform_in_any_case_or_as_tools_name_it(given, stored):
    assert filters.platform(given) == stored


def test_an_unknown_platform_names_the_known_ones():
    with pytest.raises(UserError) as raised:
        filters.platform("myspace")
    assert str(raised.value) == ("--platform 'myspace': not a known platform (known: blog, bluesky, facebook, forum, "
                                 "instagram, linkedin, mastodon, news, reddit, threads, tiktok, twitter, whatsapp, "
                                 "youtube)")
    # A platform the database holds (from an imported file) is known too.
    assert filters.platform("MySpace", stored=["myspace"]) == "myspace"


def test_theme_and_woonkern_in_any_case_become_the_configs_names(config):
    assert filters.theme(config, "VERKEER") == "verkeer"
    assert filters.woonkern(config, "heikamp") == "Heikamp"
    assert filters.filters(config, "Bluesky", "centrum", " oosterbroek ", "NL") == Filters(
        "bluesky", "Centrum", "Oosterbroek", "nl")
    assert filters.filters(config) == Filters()


@pytest.mark.parametrize(("check", "message"), [
    (lambda c: filters.theme(c, "ruimtevaart"), "--theme 'ruimtevaart': not a portfolio in the config (known: verkeer, Centrum)"),
    (lambda c: filters.woonkern(c, "Atlantis"),
     "--woonkern 'Atlantis': not a woonkern in the config (known: Heikamp, Oosterbroek, Centrum)"),
    (lambda c: filters.language("nederlands"), "--language 'nederlands': not a language code like nl or en"),
    (lambda c: filters.kind("wethouder"), "--kind 'wethouder': not a report kind (known: monthly, alderman)"),
    (lambda c: filters.report_language("de"), "--lang 'de': not a report language (known: nl, en)"),
    (lambda c: filters.formats("html,docx"), "--format 'html,docx': use html, pdf or both (html,pdf)"),
    (lambda c: filters.formats(""), "--format '': use html, pdf or both (html,pdf)"),
    (lambda c: filters.export_format("xls"), "--format 'xls': not an export format (known: xlsx, csv, jsonl, parquet)"),
    (lambda c: filters.period(c, date(2026, 11, 5), "2026-13"), "--month '2026-13': not a month like 2026-10"),
    (lambda c: filters.period(c, date(2026, 11, 5), None, "2026-10-01"), "give both --from and --to"),
    (lambda c: filters.period(c, date(2026, 11, 5), "2026-10", "2026-10-01", "2026-10-31"),
     "give either --month or --from/--to, not both"),
    (lambda c: filters.period(c, date(2026, 11, 5), None, "2026-10-31", "2026-10-01"),
     "--to 2026-10-01 is before --from 2026-10-31"),
    (lambda c: filters.period(c, date(2026, 11, 5), None, "1 oktober", "2026-10-31"),
     "--from '1 oktober': not a date like 2026-10-01"),
])
def test_each_bad_value_gets_its_message(config, check, message):
    with pytest.raises(UserError) as raised:
        check(config)
    assert str(raised.value) == message


def test_flow_parameters_are_named_without_dashes(config):
    with pytest.raises(UserError, match=r"^kind 'Wethouder': not a report kind"):
        filters.kind("Wethouder", flag="")
    with pytest.raises(UserError, match=r"^give both from and to$"):
        filters.period(config, date(2026, 11, 5), None, "", "2026-10-31", flag="")


def test_report_choices_in_any_case():
    assert filters.kind("Alderman") == "alderman" and filters.report_language("EN") == "en"
    assert filters.formats("PDF, html,pdf") == ("pdf", "html") and filters.formats(["html"]) == ("html",)
    assert filters.export_format("CSV") == "csv"


def test_the_period_defaults_to_the_last_full_month(config):
    tz = config.municipality.tz
    assert filters.period(config, date(2026, 11, 5)) == Period.month(2026, 10, tz)
    assert filters.period(config, date(2027, 1, 1)) == Period.month(2026, 12, tz)
    assert filters.period(config, date(2026, 11, 5), "2026-02") == Period.month(2026, 2, tz)
    assert filters.period(config, date(2026, 11, 5), None, "2026-10-05", "2026-10-05") == Period(
        date(2026, 10, 5), date(2026, 10, 5), tz)


def test_file_names_differ_for_every_filter(config):
    october = Period.month(2026, 10, config.municipality.tz)
    asked = [("monthly", Filters(), "nl"), ("monthly", Filters(), "en"), ("alderman", Filters(theme="verkeer"), "nl"),
             ("monthly", Filters(theme="Centrum"), "nl"), ("monthly", Filters(woonkern="Centrum"), "nl"),
             ("monthly", Filters(platform="mastodon"), "nl"), ("monthly", Filters(language="nl"), "nl"),
             ("monthly", Filters("mastodon", "verkeer", "Heikamp", "nl"), "nl"),
             ("alderman", Filters("mastodon", "verkeer", "Heikamp", "nl"), "nl"),
             ("export", Filters(platform="mastodon"), None)]
    stems = [file_stem(config, october, kind, wanted, lang) for kind, wanted, lang in asked]
    assert len(set(stems)) == len(stems)
    assert stems[0] == "luisterpost-lindeveen-2026-10-nl"
    assert stems[2] == "luisterpost-lindeveen-alderman-verkeer-2026-10-nl"
    assert stems[3] == "luisterpost-lindeveen-theme-centrum-2026-10-nl"
    assert stems[4] == "luisterpost-lindeveen-woonkern-centrum-2026-10-nl"
    assert stems[8] == "luisterpost-lindeveen-alderman-verkeer-platform-mastodon-woonkern-heikamp-language-nl-2026-10-nl"
    assert stems[9] == "luisterpost-lindeveen-export-platform-mastodon-2026-10"
    days = Period(date(2026, 10, 5), date(2026, 10, 18), config.municipality.tz)
    assert file_stem(config, days, "monthly", Filters(), "nl") == "luisterpost-lindeveen-2026-10-05-tot-2026-10-18-nl"
