"""The Content-Security-Policy of the HTML report: the page runs its own scripts and styles and nothing else.

The report is one self-contained file, so the policy allows no loads at all (`default-src 'none'`) and lets
through exactly the inline <script> and <style> blocks the page was rendered with, by their SHA-256 hash.
Anything that got into the page some other way (markup in a post, a `javascript:` link) cannot run."""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import re

# Inline blocks as the browser reads them: a <script> or <style> element ends at the first closing tag.
_BLOCK = re.compile(r"<(script|style)\b([^>]*)>(.*?)</\1\s*>", re.S | re.I)
_CHARSET = '<meta charset="utf-8">'
# Always the same, whatever the page holds; script-src and style-src are added per page.
FIXED = {
    "default-src": "'none'",
    # plotly.js draws heatmaps as images from data: URLs (and the download button draws the chart into one).
    "img-src": "data:",
    "connect-src": "'none'",
    "form-action": "'none'",
    "base-uri": "'none'",
    # plotly.js sizes and places what it draws with style attributes it sets while drawing (no hash can name
    # them in advance). A style attribute cannot run script, and with no loads allowed CSS cannot send
    # anything anywhere; every text from posts is escaped, so no attribute comes from a post.
    "style-src-attr": "'unsafe-inline'",
}
# plotly.js puts its own rules (the mode bar, hover labels) into an empty <style> it adds, through the CSSOM,
# which the policy does not govern: the empty block has to be allowed, and allows nothing else.
EMPTY_STYLE = ""


def source_hash(text: str) -> str:
    """The CSP source expression ('sha256-…') for an inline block with this text. Browsers turn CR LF and
    CR into LF before they read a page, so the hash is of the text as they see it."""
    seen = text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
    return "'sha256-" + base64.b64encode(hashlib.sha256(seen.encode("utf-8")).digest()).decode("ascii") + "'"


def policy(page: str) -> str:
    """The policy for a rendered page: its inline scripts and styles by hash, no other source of anything.
    A ValueError when the page loads a script from a file or address (the report must hold all it runs)."""
    hashes: dict[str, list[str]] = {"script": [], "style": [source_hash(EMPTY_STYLE)]}
    for tag, attributes, text in _BLOCK.findall(page):
        if re.search(r"\bsrc\s*=", attributes, re.I):
            raise ValueError("the report loads a script from elsewhere: it must be self-contained")
        found = source_hash(text)
        if found not in hashes[tag.lower()]:
            hashes[tag.lower()].append(found)
    directives = {**FIXED,
                  "script-src": " ".join(hashes["script"]) or "'none'",
                  "style-src": " ".join(hashes["style"])}
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def with_policy(page: str) -> str:
    """`page` with its policy as a <meta http-equiv> right after the charset, before any script or style
    (a policy in a meta element only covers what comes after it)."""
    first = _BLOCK.search(page)
    if page.count(_CHARSET) != 1 or (first is not None and first.start() < page.index(_CHARSET)):
        raise ValueError(f"the report page must start its <head> with {_CHARSET} before any script")
    meta = f'<meta http-equiv="Content-Security-Policy" content="{html_lib.escape(policy(page), quote=False)}">'
    return page.replace(_CHARSET, f"{_CHARSET}\n{meta}", 1)
