"""Themes (aldermen's portfolios) and woonkernen found in a text from the config's keyword lists.

Matching is case- and accent-insensitive. A theme keyword matches at the start or at the end of a word, so
Dutch compounds count ("afval" in "afvalcontainer", "container" in "afvalcontainer", "vergunning" in
"parkeervergunning"); a woonkern matches as a whole word or as the start of a compound ("Hoogmolen" in
"Hoogmolenseweg")."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass


def fold(text: str) -> str:
    """Lower case without accents: "Café Hoogmolen" → "cafe hoogmolen"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _alternatives(words: list[str]) -> str:
    # Longest first, so "oud papier" wins over "oud".
    return "|".join(re.escape(fold(w).strip()) for w in sorted(words, key=len, reverse=True) if w.strip())


@dataclass(frozen=True)
class TermMatcher:
    themes: dict[str, re.Pattern[str]]
    woonkernen: dict[str, re.Pattern[str]]
    fingerprint: str  # changes when the keyword lists change, so stored tags can be redone

    def match(self, text: str) -> tuple[list[str], list[str]]:
        """Return (themes, woonkernen) found in `text`, each in config order."""
        folded = fold(text)
        return ([name for name, pattern in self.themes.items() if pattern.search(folded)],
                [name for name, pattern in self.woonkernen.items() if pattern.search(folded)])


def build_matcher(portfolios: dict[str, list[str]], woonkernen: list[str]) -> TermMatcher:
    """Compile the config's portfolios and woonkernen into one matcher."""
    themes = {}
    for name, words in portfolios.items():
        alternatives = _alternatives(words)
        if alternatives:
            themes[name] = re.compile(rf"(?<!\w)(?:{alternatives})|(?:{alternatives})(?!\w)")
    places = {name: re.compile(rf"(?<!\w){re.escape(fold(name))}") for name in woonkernen if name.strip()}
    fingerprint = hashlib.sha256(json.dumps([portfolios, woonkernen], sort_keys=True).encode()).hexdigest()[:16]
    return TermMatcher(themes, places, fingerprint)
