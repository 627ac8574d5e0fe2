"""`luisterpost check`: one line per check, exit 0 / 1 / 2, secrets named but never shown."""

from __future__ import annotations

import duckdb

import socket

import pytest
from typer.testing import CliRunner

from luisterpost import check
from luisterpost.cli import app
from tests.test_errors import config_for, damage_a_block, make_database, mount, row  # noqa: F401 (fixture)

TOKEN = "mastodon-token-value-that-must-never-show-0123456789"


def run_check(config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    result = CliRunner().invoke(app, ["--config", str(config), "check", "--out", str(tmp_path / "out")])
    lines = {line.split(":", 1)[0]: line for line in result.output.splitlines()}
    return result, lines


def mastodon(url: str) -> str:
    return f'\n[[sources]]\nkind = "mastodon"\nbase_url = "{url}"\nhashtags = ["lindeveen"]\n'


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def healthy(tmp_path, api, monkeypatch):
    """A config whose every check passes: a database with rows, the source's token set, its host answering."""
    database = tmp_path / "data" / "lindeveen.duckdb"
    database.parent.mkdir()
    make_database(database, [row(i) for i in range(5)], tmp_path)
    monkeypatch.setenv("MASTODON_TOKEN", TOKEN)
    monkeypatch.setattr(check, "MIN_FREE_BYTES", 0)  # this machine's free space is not what is tested
    return config_for(tmp_path, database, mastodon(api.url)), database


def test_all_ok_is_exit_0_with_a_line_per_check(healthy, tmp_path, monkeypatch):
    config, database = healthy

    result, lines = run_check(config, tmp_path, monkeypatch)

    assert result.exit_code == 0, result.output
    assert list(lines) == ["ok      config", "ok      secret of mastodon", "ok      pseudonym key", "ok      database",
                           "ok      free disk space", "ok      data folder", "ok      out folder",
                           "ok      source mastodon"]
    con = duckdb.connect(str(database), read_only=True)
    tables = con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0]
    con.close()
    assert f"{database}: " in lines["ok      database"] and f"{tables} tables read in full" in lines["ok      database"]
    assert "'mastodon-token' is set" in lines["ok      secret of mastodon"]
    assert "127.0.0.1" in lines["ok      source mastodon"] and "reachable" in lines["ok      source mastodon"]
    assert TOKEN not in result.output


def test_a_missing_secret_and_an_unreachable_host_are_warnings(healthy, tmp_path, monkeypatch):
    _, database = healthy
    monkeypatch.delenv("MASTODON_TOKEN")
    config = config_for(tmp_path, database, mastodon(f"http://127.0.0.1:{closed_port()}"))

    result, lines = run_check(config, tmp_path, monkeypatch)

    assert result.exit_code == 1, result.output
    assert "set the environment variable MASTODON_TOKEN" in lines["warning secret of mastodon"]
    assert "unreachable" in lines["warning source mastodon"]
    assert lines["ok      database"]


def test_a_damaged_database_is_an_error(healthy, tmp_path, monkeypatch):
    config, database = healthy
    make_database(database, [row(i) for i in range(5, 200)], tmp_path)
    damage_a_block(database)

    result, lines = run_check(config, tmp_path, monkeypatch)

    assert result.exit_code == 2, result.output
    assert "damaged" in lines["error   database"] and "checksum" in lines["error   database"]
    assert "ok      free disk space" in lines  # the other checks still run


def test_a_broken_config_is_an_error_and_nothing_else_is_checked(write_config, tmp_path, monkeypatch):
    config = write_config('[[sources]]\nkind = "mastodon"\nbase_url = "not a url"\nhashtags = ["x"]\n')

    result, lines = run_check(config, tmp_path, monkeypatch)

    assert result.exit_code == 2, result.output
    assert list(lines) == ["error   config"]
    assert "base_url" in result.output


def test_a_full_disk_and_a_read_only_out_folder_are_errors(mount, healthy, tmp_path, monkeypatch):  # noqa: F811
    _, database = healthy
    disk = mount(tmp_path / "disk", size="1m")
    (disk / "filler").write_bytes(b"\0" * 900_000)
    moved = disk / "lindeveen.duckdb"
    config = config_for(tmp_path, moved, mastodon("http://127.0.0.1:1"))
    mount(tmp_path / "out", read_only=True)

    result, lines = run_check(config, tmp_path, monkeypatch)

    assert result.exit_code == 2, result.output
    assert "not there yet" in lines["warning database"]
    out_line = lines["error   out folder"]
    assert "cannot write there" in out_line and "Read-only file system" in out_line
    # 1 MB of tmpfs, 900 kB used: below twice nothing, but below the 1 GiB a harvest may need
    monkeypatch.setattr(check, "MIN_FREE_BYTES", 1 << 30)
    result, lines = run_check(config, tmp_path, monkeypatch)
    assert "MB free" in lines["warning free disk space"]
