"""Links and the page's Content-Security-Policy in the HTML report: only http(s) URLs become links, and the
page runs only its own scripts and styles. In headless Chromium, on a report built from hostile posts."""

from __future__ import annotations

import pytest

from luisterpost.report.csp import policy, source_hash, with_policy
from luisterpost.report.links import safe_url

HOSTILE_URLS = [
    "javascript:document.title='pwned'",
    " JaVaScRiPt:document.title='pwned'",
    "\tjavascript:window.pwned=1",
    "java\tscript:window.pwned=1",  # browsers drop the tab and read javascript:
    "\x00javascript:window.pwned=1",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "http://user:pw@example.invalid/",
    "https://user@example.invalid/",
    "https://example.invalid\\@other.invalid/",  # a backslash is a slash to a browser: "@" before the path
    "//example.invalid/post",
    "/relative/post",
    "https:example.invalid",
    "https://",
    "https://example.invalid:port/",
    "https://example.invalid/a b",
    "",
    None,
    42,
]


@pytest.mark.parametrize("value", HOSTILE_URLS)
def test_anything_but_a_plain_web_address_is_not_a_link(value):
    assert safe_url(value) is None


@pytest.mark.parametrize(("value", "link"), [
    ("https://mastodon.example/@gemeente/1", "https://mastodon.example/@gemeente/1"),  # "@" in the path is fine
    ("HTTP://Example.invalid/x?y=1#z", "HTTP://Example.invalid/x?y=1#z"),
    ("  https://example.invalid/ok\n", "https://example.invalid/ok"),
    ("https://example.invalid:8443/", "https://example.invalid:8443/"),
])
def test_web_addresses_are_links(value, link):
    assert safe_url(value) == link
