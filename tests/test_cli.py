"""The command line: every command documents itself; arguments are checked with clear messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from luisterpost.cli import app

COMMANDS = sorted(command.name or command.callback.__name__ for command in app.registered_commands)
GROUPS = sorted(group.name for group in app.registered_groups)


def test_every_command_is_listed():
    assert COMMANDS == ["backup", "check", "correct", "demo", "encrypt", "export", "fleet-report", "forget", "harvest",
                        "import", "metrics", "purge", "renormalise", "report", "restore", "status", "watch"]
    assert GROUPS == ["sentiment"]


@pytest.mark.parametrize("command", [[c] for c in COMMANDS] + [["sentiment", "score"], ["sentiment", "eval"]])
def test_every_command_has_help_text(command):
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    summary = result.output.split("Usage:")[1].split("╭")[0]
    assert len(summary.strip().splitlines()) >= 2, f"{command} has no description"


def luisterpost(*args, env=None):
    return subprocess.run([sys.executable, "-m", "luisterpost", *args], capture_output=True, text=True, env=env)


def test_no_config_is_a_clear_error():
    env = {k: v for k, v in os.environ.items() if k != "LUISTERPOST_CONFIG"}
    result = luisterpost("status", env=env)
    assert result.returncode == 2
    assert "no config given: pass --config FILE or set LUISTERPOST_CONFIG" in result.stderr


def test_report_arguments_are_checked(write_config):
    config = str(write_config())
    bad_month = luisterpost("--config", config, "report", "--month", "2026-13")
    assert bad_month.returncode == 2 and "--month '2026-13': not a month like 2026-10" in bad_month.stderr
    bad_format = luisterpost("--config", config, "report", "--format", "docx")
    assert bad_format.returncode == 2 and "--format 'docx': use html, pdf or both (html,pdf)" in bad_format.stderr
    bad_kind = luisterpost("--config", config, "report", "--kind", "wethouder")
    assert bad_kind.returncode == 2 and "--kind 'wethouder': not a report kind (known: monthly, alderman, crisis)" in bad_kind.stderr
    half = luisterpost("--config", config, "report", "--from", "2026-10-01")
    assert half.returncode == 2 and "give both --from and --to" in half.stderr
    both = luisterpost("--config", config, "report", "--month", "2026-10", "--from", "2026-10-01", "--to", "2026-10-02")
    assert both.returncode == 2 and "give either --month or --from/--to, not both" in both.stderr
    theme = luisterpost("--config", config, "report", "--theme", "ruimtevaart")
    assert theme.returncode == 2 and "--theme 'ruimtevaart': not a portfolio in the config" in theme.stderr
    assert "Traceback" not in "".join(r.stderr for r in (bad_month, bad_format, bad_kind, half, both, theme))


def test_report_for_an_empty_month_says_so(write_config, tmp_path):
    config = str(write_config())
    result = luisterpost("--config", config, "report", "--month", "2026-10", "--format", "html",
                         "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "out" / "luisterpost-lindeveen-2026-10-nl.html").read_text(encoding="utf-8")
    assert "Er zijn voor deze periode geen vermeldingen opgeslagen." in html
    assert "Geen bronnen met gegevens of oogstrondes in deze periode." in html


def test_metrics_on_an_empty_database(write_config):
    result = luisterpost("--config", str(write_config()), "metrics", "--from", "2026-10-01", "--to", "2026-10-31",
                         "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["mentions"], data["net_sentiment"], data["response"]["cases"], data["response"]["rate"]) == (0, None, 0, None)
    assert data["spikes"] == [] and data["by_theme"] == []
    tables = luisterpost("--config", str(write_config()), "metrics", "--from", "2026-10-01", "--to", "2026-10-31")
    assert tables.returncode == 0 and "mentions" in tables.stdout


def test_metrics_tables_keep_every_cell_whole_in_a_pipe(write_config, tmp_path):
    # Written to a pipe or file, as an analyst saves them: the breakdown tables are wider than 80 columns.
    config = str(write_config())
    rows = tmp_path / "rows.jsonl"
    rows.write_text("\n".join(json.dumps({"platform": "mastodon", "id": str(i), "created_at": f"2026-10-0{i}T10:00:00Z",
                                          "author_handle": f"inwoner{i}", "text": "Het verkeer op de rotonde"})
                              for i in range(1, 4)), encoding="utf-8")
    assert luisterpost("--config", config, "import", str(rows)).returncode == 0
    tables = luisterpost("--config", config, "metrics", "--from", "2026-10-01", "--to", "2026-10-31")
    assert tables.returncode == 0 and "median_business_minutes" in tables.stdout
    assert "…" not in tables.stdout


def test_filters_are_checked_and_named_in_the_file(write_config, tmp_path):
    config = str(write_config('[terms]\nwoonkernen = ["Oosterbroek"]\n'))
    out = tmp_path / "out"
    done = luisterpost("--config", config, "report", "--month", "2026-10", "--format", "html", "--out", str(out),
                       "--platform", "Mastodon", "--woonkern", "OOSTERBROEK")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out / "luisterpost-lindeveen-platform-mastodon-woonkern-oosterbroek-2026-10-nl.html")
    unknown = luisterpost("--config", config, "report", "--month", "2026-10", "--platform", "myspace")
    assert unknown.returncode == 2 and "--platform 'myspace': not a known platform (known: blog, bluesky," in unknown.stderr
    place = luisterpost("--config", config, "metrics", "--from", "2026-10-01", "--to", "2026-10-31", "--woonkern", "Atlantis")
    assert place.returncode == 2 and "--woonkern 'Atlantis': not a woonkern in the config (known: Oosterbroek)" in place.stderr
    x = luisterpost("--config", config, "metrics", "--from", "2026-10-01", "--to", "2026-10-31", "--platform", "X",
                    "--language", "NL", "--json")
    assert x.returncode == 0, x.stderr
    assert json.loads(x.stdout)["period"]["filters"] == {"platform": "twitter", "language": "nl"}
    assert "Traceback" not in unknown.stderr + place.stderr


def test_encrypt_says_what_is_missing(write_config, monkeypatch):
    monkeypatch.delenv("LINDEVEEN_DB_KEY", raising=False)
    plain = luisterpost("--config", str(write_config()), "encrypt")
    assert plain.returncode == 2
    assert "[storage]: no encryption key configured: set encryption_key_env or encryption_key_secret" in plain.stderr
    keyed = str(write_config('[storage]\nencryption_key_env = "LINDEVEEN_DB_KEY"\n', name="keyed.toml"))
    nothing = luisterpost("--config", keyed, "encrypt", env={**os.environ, "LINDEVEEN_DB_KEY": "k" * 40})
    assert nothing.returncode == 2 and "no database to encrypt" in nothing.stderr
    assert "Traceback" not in plain.stderr + nothing.stderr and "k" * 40 not in nothing.stderr


def test_demo_from_an_installed_package_keeps_its_data_in_the_working_folder(tmp_path, monkeypatch):
    # Installed from a wheel, the example config sits inside the package (often not writable): the demo works
    # on a copy in ./luisterpost-demo, so its database and pseudonym key land there.
    import luisterpost.cli as cli

    bundled = tmp_path / "site-packages" / "luisterpost" / "_resources" / "examples"
    bundled.mkdir(parents=True)
    (bundled / "lindeveen.toml").write_text('[municipality]\nname = "Lindeveen"\n[storage]\n'
                                            'database = "../data/{slug}.duckdb"\n', encoding="utf-8")
    monkeypatch.setattr(cli, "resource_dir", lambda name: bundled.parent / name)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    config = cli.load_config(cli._demo_config())
    assert config.database_path == work / "luisterpost-demo" / "data" / "lindeveen.duckdb"
