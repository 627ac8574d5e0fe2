"""Which stored URLs the HTML report may turn into links: web addresses only.

A post's `url` comes from outside (an API, an export, an import). A `javascript:`, `vbscript:` or `data:` URL
as a link would run or show whatever the post's author wrote when someone clicks it, so only http(s) URLs
become links; with any other URL the post's text is shown without a link (and the URL not at all)."""

from __future__ import annotations

from urllib.parse import urlsplit

# What browsers strip from both ends of a URL before reading it: C0 control characters and the space.
_EDGES = "".join(chr(c) for c in range(0x21)) + "\x7f"
SCHEMES = {"http", "https"}


def safe_url(value: object) -> str | None:
    """`value` without surrounding spaces and control characters when it is an absolute http(s) URL with a
    host and without a user name or password in it; None for anything else (other schemes, relative
    addresses, control characters or spaces inside, a bad port)."""
    if not isinstance(value, str):
        return None
    url = value.strip(_EDGES)
    # Browsers drop tabs and newlines inside a URL ("java\tscript:" is javascript:); a real address has
    # its spaces and control characters percent-encoded, so any left inside means it is not one.
    if any(c in _EDGES or c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (reading it checks it: a port that is not a number raises ValueError)
    except ValueError:
        return None
    # "@" anywhere before the path is a user name (or an address dressed up to look like another host).
    if parts.scheme.lower() not in SCHEMES or not parts.hostname or "@" in parts.netloc:
        return None
    return url
