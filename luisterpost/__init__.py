"""Luisterpost: hear what residents say about their municipality online."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("luisterpost")  # one place for it: pyproject.toml
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
