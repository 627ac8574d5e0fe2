"""Shared fixtures: a real DuckDB per test, configs written to a temp folder."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from luisterpost.config import load_config
from luisterpost.store import open_db

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"

# Prefect must stay offline and keep its state inside the test run.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # With pytest-xdist (`make test`), each worker keeps its own Prefect state (a folder inside the usual one, so
    # it stays migrated from run to run): two ephemeral servers must never share one SQLite database.
    os.environ["PREFECT_HOME"] = str(Path(os.environ.get("PREFECT_HOME", ROOT / ".prefect"))
                                     / os.environ["PYTEST_XDIST_WORKER"])

ACCOUNTS = """
[accounts]
facebook = ["gemeentelindeveen"]
mastodon = ["gemeentelindeveen@social.overheid.nl"]
bluesky = ["gemeentelindeveen.bsky.social"]
instagram = ["gemeentelindeveen"]
youtube = ["GemeenteLindeveen"]
"""


@pytest.fixture
def db():
    """A fresh in-memory DuckDB with the schema applied."""
    con = open_db(":memory:")
    yield con
    con.close()


@pytest.fixture
def api():
    """A recorded platform API on 127.0.0.1 (tests/fakeapi.py), stopped after the test."""
    from tests.fakeapi import FakeApi

    with FakeApi() as server:
        yield server


@pytest.fixture
def write_config(tmp_path):
    """Write a config TOML (municipality table added unless given) and return its path."""

    def write(body: str = "", name: str = "gemeente.toml", municipality: bool = True) -> Path:
        text = textwrap.dedent(body)
        if municipality and "[municipality]" not in text:
            text = '[municipality]\nname = "Lindeveen"\n' + text
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def demo_config(write_config):
    """A config with the demo source fixed to end on 2026-10-31, two months, and a drop folder."""
    return load_config(write_config(ACCOUNTS + """
        [[sources]]
        kind = "demo"
        months = 2
        until = 2026-10-31

        [[sources]]
        kind = "jsonl"
        name = "drop"
        path = "drop"
    """))


def store_enrichment(con, platform: str, id: str, label: str, themes=(), places=(), *, language: str = "nl",
                     question: bool = False, complaint: bool = False) -> None:
    """Store given enrichment results for a mention (tests that start from labelled rows)."""
    con.execute(
        "INSERT INTO enrichments BY NAME SELECT $1 AS platform, $2 AS id, 0 AS text_hash, $3 AS sentiment_label,"
        " 0 AS sentiment_score, 'test' AS sentiment_source, $4::VARCHAR[] AS themes, $5::VARCHAR[] AS woonkernen,"
        " $6 AS language, $7 AS is_question, $8 AS is_complaint, 'test' AS fingerprint, now() AS enriched_at,"
        " (SELECT created_at FROM mentions WHERE platform = $1 AND id = $2) AS created_at",
        [platform, id, label, list(themes), list(places), language, question, complaint])
