"""Themes (aldermen's portfolios) and woonkernen found in a text from the config's keyword lists.

Matching is case- and accent-insensitive. A theme keyword matches at the start or at the end of a word, so
Dutch compounds count ("afval" in "afvalcontainer", "container" in "afvalcontainer", "vergunning" in
"parkeervergunning"); a woonkern matches as a whole word or as the start of a compound ("Hoogmolen" in
"Hoogmolenseweg"). Texts are matched in batches, as columns (`match_frame`)."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl


def fold(text: str) -> str:
    """Lower case without accents: "Café Hoogmolen" → "cafe hoogmolen"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def folded(texts: pl.Series) -> pl.Series:
    """`fold` over a column of texts."""
    return texts.str.normalize("NFKD").str.replace_all(r"\p{M}", "").str.to_lowercase()


def _alternatives(words: list[str]) -> str:
    # Longest first, so "oud papier" wins over "oud".
    return "|".join(re.escape(fold(w).strip()) for w in sorted(words, key=len, reverse=True) if w.strip())


@dataclass(frozen=True)
class TermMatcher:
    themes: dict[str, str]  # name → pattern over the folded text
    woonkernen: dict[str, str]
    fingerprint: str  # changes when the keyword lists change, so stored tags can be redone

    def match(self, text: str) -> tuple[list[str], list[str]]:
        """Return (themes, woonkernen) found in `text`, each in config order."""
        row = self.match_frame([text]).row(0)
        return list(row[0]), list(row[1])

    def match_frame(self, texts: Sequence[str] | pl.Series) -> pl.DataFrame:
        """One row per text, in order: themes and woonkernen (lists, in config order)."""
        texts = texts if isinstance(texts, pl.Series) else pl.Series("text", texts, pl.String)
        frame = pl.DataFrame({"text": folded(texts.fill_null(""))})
        # with_columns, not select: a config without keywords gives literals, which must fill every row.
        return frame.with_columns(themes=_found(self.themes), woonkernen=_found(self.woonkernen)).drop("text")


def _found(patterns: dict[str, str]) -> pl.Expr:
    """The names whose pattern the folded text holds."""
    if not patterns:
        return pl.lit([], pl.List(pl.String))
    # One boolean per name, packed into a string of the names found and split once: cheaper than list
    # operations per row.
    joined = pl.concat_str([pl.when(pl.col("text").str.contains(p)).then(pl.lit(name)) for name, p in patterns.items()],
                           separator="\x1f", ignore_nulls=True)
    return pl.when(joined == "").then(pl.lit([], pl.List(pl.String))).otherwise(joined.str.split("\x1f"))


def build_matcher(portfolios: dict[str, list[str]], woonkernen: list[str]) -> TermMatcher:
    """Compile the config's portfolios and woonkernen into one matcher."""
    themes = {}
    for name, words in portfolios.items():
        alternatives = _alternatives(words)
        if alternatives:
            themes[name] = rf"\b(?:{alternatives})|(?:{alternatives})\b"
    places = {name: rf"\b{re.escape(fold(name))}" for name in woonkernen if name.strip()}
    fingerprint = hashlib.sha256(json.dumps([portfolios, woonkernen], sort_keys=True).encode()).hexdigest()[:16]
    return TermMatcher(themes, places, fingerprint)
