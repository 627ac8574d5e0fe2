"""Dutch sentiment from the shipped word-polarity table: label, score and the words that decided it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ..paths import data_file

NEGATORS = frozenset({"niet", "geen", "nooit", "nergens", "niemand", "niets", "niks"})
NEGATION_SCOPE = 3  # a negator flips the next few words: "niet echt goed"
THRESHOLD = 0.1  # |score| below this is neutral
_TOKEN = re.compile(r"@\w[\w.@-]*|https?://\S+|#?[^\W\d_]+(?:-[^\W\d_]+)*|[.,;:!?]", re.UNICODE)


@dataclass(frozen=True)
class Sentiment:
    label: str  # negatief | neutraal | positief
    score: float  # -1..1
    evidence: tuple[str, ...]  # the words that counted, with their polarity, e.g. "kapot(-0.35)"


@cache
def lexicon() -> dict[str, float]:
    """Return word → polarity from luisterpost/data/lexicon_nl.tsv."""
    table: dict[str, float] = {}
    with data_file("lexicon_nl.tsv").open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#") or line.startswith("word\t"):
                continue
            word, polarity, *_ = line.rstrip("\n").split("\t")
            table[word] = float(polarity)
    return table


def score(text: str) -> Sentiment:
    """Return the sentiment of `text`: the mean polarity of its lexicon words, negation applied."""
    words = lexicon()
    hits: list[float] = []
    evidence: list[str] = []
    negate_left = 0
    for token in _TOKEN.findall(text.lower()):
        if token.startswith(("@", "http")):
            continue  # handles and links carry no sentiment
        if token in ".,;:!?":
            negate_left = 0  # a negation does not cross a clause boundary
            continue
        token = token.lstrip("#")
        if token in NEGATORS:
            negate_left = NEGATION_SCOPE
            continue
        polarity = words.get(token)
        if polarity:
            if negate_left:
                polarity = -polarity
                token = f"niet {token}"
            hits.append(polarity)
            evidence.append(f"{token}({polarity:+.2f})")
        negate_left = max(negate_left - 1, 0)
    value = sum(hits) / len(hits) if hits else 0.0
    label = "positief" if value >= THRESHOLD else "negatief" if value <= -THRESHOLD else "neutraal"
    return Sentiment(label, round(value, 3), tuple(evidence))
