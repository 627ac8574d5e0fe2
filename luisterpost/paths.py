"""Where the project's own resources (SQL, report templates, data tables) live."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return the folder `name` (``sql`` or ``reports``): in a checkout it sits beside the package,
    in an installed wheel it is bundled inside it."""
    for candidate in (_PACKAGE.parent / name, _PACKAGE / "_resources" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"resource folder {name!r} not found beside {_PACKAGE}")


def data_file(name: str) -> Path:
    """Return a data table shipped inside the package (``luisterpost/data``)."""
    return _PACKAGE / "data" / name
