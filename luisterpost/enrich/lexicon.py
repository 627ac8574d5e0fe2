"""The sentiment vocabulary: the Pattern word-polarity table and Luisterpost's own vocabulary of social
media and municipal services (phrases, nouns, verbs, slang, emoticons, emoji, and the words that negate,
strengthen, weaken or contrast), with a light Dutch lemmatiser for the inflected forms the tables lack."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import simplemma
from stop_words import get_stop_words

from ..paths import data_file

KINDS = ("polar", "negator", "intensifier", "softener", "excess", "contrast",
         "done", "pending", "prompt", "sympathy", "apology", "address")


def emoji_key(token: str) -> str:
    """The lookup key of an emoji or emoji sequence: its first code point (skin tones, variation
    selectors and joined emoji after it do not change what it means here), or the token itself."""
    return token[0] if len(token) > 1 and not token.isascii() and not token[1].isalpha() else token


@dataclass(frozen=True)
class Lexicon:
    polarity: dict[str, float]  # single words, emoticons, emoji
    phrases: dict[str, float]  # words separated by one space → polarity
    kind: dict[str, str]  # word or phrase → its role in the rules (any kind but polar)

    @property
    def phrase_terms(self) -> frozenset[str]:
        """Every entry of more than one word: the polar phrases and the phrases with a role."""
        return frozenset(self.phrases) | frozenset(k for k in self.kind if " " in k)

    def base_form(self, word: str) -> str | None:
        """The form of `word` (lower case) that the polarity table holds: the word itself, its lemma
        (simplemma's Dutch dictionary), or the first of `lemmas` found; None when none is there."""
        if word in self.polarity:
            return word
        form = simplemma.lemmatize(word, lang="nl")
        if form in self.polarity:
            return form
        for form in lemmas(word):
            if form in self.polarity:
                return form
        return None


def lemmas(word: str) -> list[str]:
    """Candidate base forms for words the dictionary lemmatiser does not know: the verb of a present
    participle ("frustrerend" → "frustreren"), and adjectives or nouns without their superlative,
    comparative, -e and -en endings, with the spelling undone ("grote" → "groot", "boze" → "boos")."""
    found = []
    for ending in ("ende", "end"):  # a present participle: frustrerend → frustreren
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            found.append(word[: -len(ending)] + "en")
    for ending in ("ste", "st", "ere", "er", "en", "e"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            stem = word[: -len(ending)]
            found.extend(_respell(stem))
    return found


_VOWELS = "aeiou"


def _respell(stem: str) -> list[str]:
    forms = [stem]
    if stem[-1] == "z":
        forms.append(stem[:-1] + "s")
    elif stem[-1] == "v":
        forms.append(stem[:-1] + "f")
    out = []
    for form in forms:
        out.append(form)
        if len(form) >= 2 and form[-1] == form[-2] and form[-1] not in _VOWELS:
            out.append(form[:-1])  # dikk → dik
        # An open syllable lost its doubled vowel: grot → groot, bos → boos.
        if len(form) >= 3 and form[-2] in _VOWELS and form[-3] not in _VOWELS and form[-1] not in _VOWELS:
            out.append(form[:-1] + form[-2] + form[-1])
    return out


def _rows(name: str):
    with data_file(name).open(encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                yield line.split("\t")


@cache
def lexicon() -> Lexicon:
    """The shipped vocabulary: Pattern's table (polarity weighted by subjectivity, so that mostly
    objective words count little; Dutch function words carry none), overlaid with the own vocabulary."""
    polarity: dict[str, float] = {}
    for row in _rows("lexicon_nl.tsv"):
        if row[0] == "word":
            continue
        # Squared, so that a half-objective sense (0,5) counts a quarter and a subjective one fully.
        polarity[row[0]] = round(float(row[1]) * float(row[2]) ** 2, 3)
    phrases: dict[str, float] = {}
    kind: dict[str, str] = {}
    for term, value, term_kind in _rows("vocabulary_nl.tsv"):
        if term == "term":
            continue
        if term_kind not in KINDS:
            raise ValueError(f"vocabulary_nl.tsv: {term!r} has an unknown kind {term_kind!r}")
        words, value = term.split(" "), float(value)
        term = term.lower() if term.isascii() or len(words) > 1 else term
        if term_kind != "polar":
            kind[term] = term_kind
            # A word with a role counts as sentiment itself only when the vocabulary gives it a polarity
            # (a participle of a job done, a word of sympathy); a negator or modifier never does.
            if not value:
                polarity.pop(term, None)
                continue
        if len(words) > 1:
            phrases[term] = value
        else:
            polarity[term if term.isascii() else emoji_key(term)] = value
    for word in get_stop_words("dutch"):
        polarity.pop(word, None)  # function words: "naar" is a preposition far more often than "nasty"
    return Lexicon(polarity, phrases, kind)
