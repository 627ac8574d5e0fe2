"""Luisterpost: hear what residents say about their municipality online."""

__version__ = "0.1.0"
