"""Turning the HTML platforms send (Mastodon posts, feed summaries, comments) into the plain text we read."""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning


def html_to_text(html: str | None) -> str:
    """The readable text of an HTML fragment: paragraphs and line breaks kept as newlines, tags and entities gone."""
    if not html:
        return ""
    if "<" not in html and "&" not in html:
        return html.strip()
    with warnings.catch_warnings():
        # A fragment that looks like a file name or URL is still a fragment here.
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "html.parser")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(["p", "div", "li", "blockquote"]):
        block.insert_after("\n\n")
    text = soup.get_text()
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    return re.sub(r"\s*\n\s*\n\s*", "\n\n", text).strip()
