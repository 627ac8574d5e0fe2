"""Config: the example loads; every kind of mistake names the file, the key and the problem."""

from __future__ import annotations

import subprocess
import sys

import pytest

from luisterpost.config import load_config, normalise_handle
from luisterpost.errors import UserError
from luisterpost.paths import resource_dir


def test_example_config_loads_with_defaults_and_paths_relative_to_the_file():
    path = resource_dir("examples") / "lindeveen.toml"
    config = load_config(path)
    assert config.municipality.name == "Lindeveen"
    assert config.municipality.timezone == "Europe/Amsterdam"
    assert config.database_path == (path.parent / "../data/lindeveen.duckdb").resolve()
    assert [s.source_name for s in config.sources] == ["demo", "drop-jsonl"]
    assert config.webcare.norm_hours == 4
    assert config.webcare.schedule.is_open(0, 8 * 60 + 30)
    assert not config.webcare.schedule.is_open(5, 12 * 60)
    assert set(config.terms.portfolios) >= {"afval", "verkeer", "zorg", "wonen"}


def test_database_defaults_to_data_slug_beside_the_config(write_config, tmp_path):
    config = load_config(write_config('[municipality]\nname = "Súdwest-Fryslân"\n'))
    assert config.database_path == tmp_path / "data" / "sudwest-fryslan.duckdb"


def test_config_path_from_environment(write_config, monkeypatch):
    monkeypatch.setenv("LUISTERPOST_CONFIG", str(write_config()))
    assert load_config(None).municipality.name == "Lindeveen"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[municipality]\nname = "X"\ntimezone = "Europe/Amsterdm"\n', "municipality.timezone: 'Europe/Amsterdm' is not a known time zone"),
        ('[municipality]\nname = "X"\ncbs_code = "0363"\n', "municipality.cbs_code: '0363' is not a CBS municipality code"),
        ('[municipality]\ncbs_code = "GM0363"\n', "municipality.name: is required but missing"),
        ('[municipality]\nname = "X"\n[webcare]\noffice_hours = "mon-fri 8:30-5pm"\n', "webcare.office_hours: cannot read 'mon-fri 8:30-5pm'"),
        ('[municipality]\nname = "X"\n[webcare]\noffice_hours = "mon-fry 08:30-17:00"\n', "webcare.office_hours: unknown day 'fry'"),
        ('[municipality]\nname = "X"\n[webcare]\nnorm_hour = 4\n', "webcare.norm_hour: unknown key (check the spelling)"),
        ('[municipality]\nname = "X"\n[webcare]\nnorm_hours = -1\n', "webcare.norm_hours: Input should be greater than 0"),
        ('[municipality]\nname = "X"\n[webcare]\nholidays = "XX"\n', "webcare.holidays: 'XX' is not a country code"),
        ('[municipality]\nname = "X"\n[[sources]]\nkind = "twitter"\n', "sources[0]: unknown source kind 'twitter' (known kinds: demo, jsonl, csv, mastodon, bluesky, reddit, youtube, news, facebook, instagram, snscrape, export)"),
        ('[municipality]\nname = "X"\n[[sources]]\nkind = "jsonl"\n', "sources[0].path: is required but missing"),
        ('[municipality]\nname = "X"\n[[sources]]\nkind = "demo"\n[[sources]]\nkind = "demo"\n', "two sources share the name 'demo'"),
        ('[municipality\nname = "X"\n', "not valid TOML"),
    ],
)
def test_config_errors_name_file_key_and_problem(write_config, body, expected):
    path = write_config(body, municipality=False)
    with pytest.raises(UserError) as error:
        load_config(path)
    assert str(error.value).startswith(f"{path}: ")
    assert expected in str(error.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(UserError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_cli_reports_config_error_without_traceback(write_config):
    path = write_config('[municipality]\nname = "X"\n[webcare]\nnorm_hour = 4\n', municipality=False)
    result = subprocess.run(
        [sys.executable, "-m", "luisterpost", "--config", str(path), "status"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "webcare.norm_hour: unknown key" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("platform", "handle", "expected"),
    [
        ("mastodon", "@GemeenteX@social.overheid.nl", "gemeentex"),
        ("mastodon", "gemeentex", "gemeentex"),
        ("twitter", "@GemeenteX", "gemeentex"),
        ("bluesky", "gemeentex.bsky.social", "gemeentex.bsky.social"),
    ],
)
def test_handles_match_case_insensitively_with_or_without_at(platform, handle, expected):
    assert normalise_handle(platform, handle) == expected


def test_a_portfolio_is_a_list_of_keywords_or_a_table_with_exclude_terms(write_config):
    config = load_config(write_config(
        '[terms.portfolios]\nafval = ["afval", " container "]\n'
        'groen = { keywords = ["park", "groen"], exclude = ["wagenpark", "groene container"] }\n'))
    assert (config.terms.portfolios["afval"].keywords, config.terms.portfolios["afval"].exclude) == (
        ["afval", "container"], [])
    assert (config.terms.portfolios["groen"].keywords, config.terms.portfolios["groen"].exclude) == (
        ["park", "groen"], ["wagenpark", "groene container"])
    assert list(config.terms.portfolios) == ["afval", "groen"]  # config order: the reports' order


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[terms.portfolios]\nafval = "afval"\n',
         "terms.portfolios.afval: a list of keywords, or a table { keywords = [...], exclude = [...] }"),
        ('[terms.portfolios]\nafval = []\n', "terms.portfolios.afval.keywords: List should have at least 1 item"),
        ('[terms.portfolios]\ngroen = { exclude = ["wagenpark"] }\n',
         "terms.portfolios.groen.keywords: is required but missing"),
        ('[terms.portfolios]\ngroen = { keywords = ["park"], exlude = ["wagenpark"] }\n',
         "terms.portfolios.groen.exlude: unknown key (check the spelling)"),
        ('[terms.portfolios]\ngroen = { keywords = ["park", " "] }\n',
         "terms.portfolios.groen: keywords[1]: ' ' is not a word"),
        ('[terms.portfolios]\ngroen = { keywords = ["park"], exclude = ["-"] }\n',
         "terms.portfolios.groen: exclude[0]: '-' is not a word"),
        ('[terms.portfolios]\ngroen = { keywords = ["park"], exclude = ["Park"] }\n',
         "terms.portfolios.groen: 'park' is both a keyword and an exclude term"),
        ('[terms.portfolios]\ngroen = { keywords = ["park"], exclude = "wagenpark" }\n',
         "terms.portfolios.groen.exclude: Input should be a valid list"),
        ('[terms]\nwoonkernen = ["Heikamp", "heikamp"]\n', "terms.woonkernen: 'Heikamp' is listed twice"),
        ('[terms]\nwoonkernen = ["Heikamp", ""]\n', "terms.woonkernen: woonkernen[1]: '' is not a word"),
    ],
)
def test_terms_mistakes_name_the_key(write_config, body, expected):
    path = write_config(body)
    with pytest.raises(UserError) as error:
        load_config(path)
    assert f"{path}: {expected}" in str(error.value)
