"""How handles are compared: the same account however it was written."""

from __future__ import annotations


def normalise_handle(platform: str, handle: str) -> str:
    """Lower-case a handle and drop a leading @; for Mastodon also drop the @instance part,
    so "@GemeenteX@social.overheid.nl" and "gemeentex" match."""
    handle = handle.strip().lstrip("@").lower()
    if platform == "mastodon":
        handle = handle.split("@", 1)[0]
    return handle
