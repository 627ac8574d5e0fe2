"""Peer benchmark: the municipality beside its peers, per 10,000 inhabitants and on response."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb

from ..config import Config, load_config
from ..errors import UserError
from ..paths import data_file
from ..store.encryption import connect_encrypted, database_key, plain_open_error
from .period import Period
from .result import Headline, PeerError, PeerRow


@cache
def cbs_population() -> dict[str, tuple[str, int]]:
    """CBS code → (name, inhabitants on 1 January 2021), from the shipped CBS table (CC BY 4.0)."""
    with data_file("cbs_population_2021.csv").open(encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return {row["cbs_code"]: (row["name"], int(row["population"])) for row in rows}


def population(config: Config) -> tuple[int | None, str]:
    """Inhabitants and where the figure comes from: the config, else the CBS table, else unknown."""
    if config.municipality.population:
        return config.municipality.population, "config"
    known = cbs_population().get(config.municipality.cbs_code or "")
    if known:
        return known[1], "CBS 2021"
    return None, "unknown"


def row(config: Config, figures: Headline) -> PeerRow:
    """One municipality's benchmark row from its headline figures."""
    inhabitants, source = population(config)
    per_10k = (lambda n: n / inhabitants * 10_000) if inhabitants else (lambda n: None)
    response = figures["response"]
    return {
        "municipality": config.municipality.name, "population": inhabitants, "population_source": source,
        "mentions": figures["mentions"], "mentions_per_10k": per_10k(figures["mentions"]),
        "negative_per_10k": per_10k(figures["negative"]),
        "net_sentiment": figures["net_sentiment"], "negative_share": figures["negative_share"],
        "response_rate": response["rate"],
        "median_business_minutes": response["first_response_business_minutes"]["median"],
        "within_norm_share": response["within_norm_share"], "error": None,
    }


def open_peer(peer: Config) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a peer's database; an encrypted one with the key its config names, from the
    environment (UserError when it cannot be opened)."""
    key = database_key(peer)
    if key is not None:
        return connect_encrypted(peer.database_path, key, read_only=True)
    try:
        return duckdb.connect(str(peer.database_path), read_only=True)
    except duckdb.Error as exc:
        raise plain_open_error(peer.database_path, exc) from None


def peer_rows(config: Config, period: Period, headline_of) -> list[PeerRow | PeerError]:
    """Rows for the configured peers. `headline_of(con, peer_config, period)` computes a peer's figures.
    A peer whose config or database cannot be read gets a row with the error; the others go on."""
    rows: list[PeerRow | PeerError] = []
    for entry in config.peers:
        path = config.resolve(entry)
        try:
            peer = load_config(path)
            with read_only(peer, path) as con:
                rows.append(row(peer, headline_of(con, peer, period)))
        except (UserError, duckdb.Error) as exc:
            rows.append({"municipality": str(path), "error": str(exc)})
    return rows


@contextmanager
def read_only(config: Config, path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the database of `config` (loaded from `path`; encrypted ones with their key,
    see `open_peer`), closed afterwards. Raises UserError when the file does not exist yet or cannot be opened
    (locked, broken, no key), duckdb.Error when reading it fails."""
    if not Path(config.database_path).exists():
        raise UserError(f"{path}: its database {config.database_path} does not exist yet")
    con = open_peer(config)
    try:
        con.execute("SET TimeZone = 'UTC'")
        yield con
    finally:
        con.close()
