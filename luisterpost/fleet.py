"""A fleet: one folder of municipality configs, each a normal config with its own database file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .config import Config, load_config
from .errors import UserError


@dataclass(frozen=True)
class Fleet:
    """The configs of a folder: those that load (path → config, in file-name order) and those that do not
    (path → the reason), so one broken file never hides the others."""

    folder: Path
    configs: dict[Path, Config] = field(default_factory=dict)
    broken: dict[Path, str] = field(default_factory=dict)


def read_fleet(folder: str | Path) -> Fleet:
    """Load every `*.toml` directly in `folder`. Raises UserError when the folder holds no config, or when
    two configs would write the same database file (both named: one municipality would overwrite the other)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder}: not a folder of municipality configs")
    paths = sorted(folder.glob("*.toml"))
    if not paths:
        raise UserError(f"{folder}: no municipality configs (*.toml) in this folder")
    configs: dict[Path, Config] = {}
    broken: dict[Path, str] = {}
    for path in paths:
        try:
            configs[path] = load_config(path)
        except UserError as exc:
            broken[path] = str(exc)
    check_databases(configs)
    return Fleet(folder, configs, broken)


def check_databases(configs: dict[Path, Config]) -> None:
    """Raise UserError naming both configs when two of them point at the same database file."""
    owner: dict[Path, Path] = {}
    for path, config in configs.items():
        database = config.database_path
        if database in owner:
            raise UserError(f"{path} and {owner[database]} both use the database {database}: give each municipality "
                            "its own file ([storage] database, e.g. \"data/{slug}.duckdb\" with a distinct "
                            "[municipality] name)")
        owner[database] = path
