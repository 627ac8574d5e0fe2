"""The headless Chromium that draws the PDF's charts (kaleido), kept open for as long as a run needs it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

_browser = {"open": False}


@contextmanager
def chart_browser() -> Iterator[None]:
    """Keep one headless Chromium (kaleido) for the static charts from here to the end of the block; inside
    an outer block, that one is used.

    The browser starts in the background: a report opens it before gathering its figures, so the two
    seconds Chromium takes to start pass while the figures are computed."""
    if _browser["open"]:
        yield
        return
    import kaleido

    kaleido.start_sync_server(silence_warnings=True)
    _browser["open"] = True
    try:
        yield
    finally:
        _browser["open"] = False
        kaleido.stop_sync_server(silence_warnings=True)
