"""Themes (aldermen's portfolios) and woonkernen found in a text from the config's keyword lists.

Matching is case- and accent-insensitive and follows how Dutch builds words (docs/terms.md):
- A theme keyword counts as the word itself, inflected (plural, diminutive; a verb's forms), or as part of a
  compound: at the start (a modifier: "afval" in "afvalcontainer", "parkeren" in "parkeervergunning") or at the
  end (the head: "container" in "afvalcontainer"). Words that merely start or end like a keyword do not count:
  a derivation ("groente", "parkiet", "zorgvuldig"), a separable verb ("wegwezen"), a particle in front
  ("onderweg"), a street built on the keyword ("parkstraat").
- Names are not evidence for a theme: a capitalised street-like word ("Stationsweg", "de Kerkweg",
  "Bomenlaan"), a capitalised word in the middle of a sentence or with a capital inside ("GroenLinks"), a
  woonkern, the municipality's names, handles, hashtags, addresses. Such a word counts only when it is a keyword
  itself ("Fietspad kapot", "de Wmo").
- A woonkern counts as a word ("Oosterbroek", "Oosterbroek-Noord", "Oosterbroekse"), not inside a street name
  ("Oosterbroekseweg"), a handle or a hashtag of the municipality, nor as "gemeente X", "raad X", or one of the
  municipality's names. A woonkern that has the municipality's name counts only where a place is meant: "in X",
  "naar X", "in het centrum van X", "X-Noord".
- A portfolio's exclude terms never count for it ("wagenpark" for groen).
Texts are matched in batches, as columns (`match_frame`)."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import polars as pl

MARK = "\x02"  # put before a name-like word: it then counts only when it is a keyword form itself

# Words a Dutch street name ends in. A capitalised word ending in one is a name, wherever it stands.
# (Not "markt", "veld", "baan": "Weekmarkt", "Grasveld", "Rijbaan" start sentences as often as streets end so.)
STREET_HEADS = ("weg", "straat", "laan", "plein", "singel", "dreef", "pad", "kade", "gracht", "dijk", "steeg",
                "hof", "wal", "allee", "boulevard", "zoom", "park", "brink")
# Heads that make even a lower-case compound on a keyword a street ("parkstraat", "parkweg", "marktplein"):
# generic compounds with a keyword in front of them are rare (not so for "pad": "fietspad").
NAME_ONLY_HEADS = ("straat", "laan", "singel", "dreef", "gracht", "steeg", "weg", "plein", "kade", "dijk")
# Separable verb particles: with a verb after them ("wegwezen", "weggooien") they do not make a compound noun.
PARTICLES = ("weg", "af", "op", "uit", "in", "aan", "door", "mee", "over", "om", "toe", "terug", "neer", "samen",
             "voor", "na", "bij", "onder", "achter", "tegen", "vast", "los", "terecht")
# Words in front of a keyword that make an adverb or a verb, not a compound about it ("onderweg", "voorzorg").
NOT_MODIFIERS = ("onder", "boven", "achter", "tussen", "door", "over", "voor", "ver", "ont", "her", "mis", "half",
                 "alle", "zover", "zo", "be", "ge", "er", "te", "toe")
# What may follow a keyword without being a compound head: derivations ("groen-te", "park-iet", "zorg-vuldig",
# "afval-lig"), comparatives ("groen-er"), and a loan verb's stem ("park-eer").
BAD_REST = (r"e|ere|eren|erd|ert|st|ste|tes?|ten|ter|tjes?|"  # adjective, superlative, "-te"
            r"eer\w*|ier\w*|iet\w*|et|ette|a|o|i|y|"  # another word's syllables: park-eer, park-iet, park-et
            # an adjective's suffix right after the keyword ("zorg-vuldig", "afval-lig"), not a head's
            # ("verkeers-veiligheid")
            r"\w{0,4}(?:ig|lijk|loos|loz|baar|bar|isch|achtig|zaam|zam)(?:e|en|er|ere|st|ste)?")
# Endings of a verb after a particle: "weg-wezen", "weg-gooien", "weg-gaan", "weg-gehaald".
VERB_REST = r"\w*(?:en|aan|aat|gaat|gaan)|ge\w+(?:d|t|en)"
NOUN_REST = r"\w*(?:ingen|heden|aties|ers|tjes)"  # plural nouns ending like a verb ("wegwerkzaamheden")

# Words that put a place name in a sentence; up to three of `FILLER` may stand between ("in het centrum van X").
PLACE_WORDS = ("in", "naar", "uit", "bij", "rond", "rondom", "richting", "via", "door", "nabij", "buiten",
               "binnen", "vanuit", "centrum", "dorpskern", "hartje", "dorp")
FILLER = ("het", "de", "t", "heel", "ons", "onze", "mooi", "mooie", "oud", "oude", "centrum", "dorp", "dorpje",
          "dorpskern", "kern", "wijk", "buurt", "midden", "hartje", "van", "stad", "stadje", "winkelcentrum")
PLACE_PARTS = ("noord", "zuid", "oost", "west", "noordoost", "noordwest", "zuidoost", "zuidwest", "centrum",
               "dorp", "stad", "binnenstad")
# The municipality as an organisation: "gemeente X", "raad van X" are not the place X.
INSTITUTIONS = ("gemeente", "gemeentes", "gem", "gemeenteraad", "raad", "college", "burgemeester", "wethouder",
                "wethouders", "gemeentebestuur", "gemeentehuis", "stadhuis", "raadhuis", "bestuur")
DEMONYM = r"(?:s|se|er|ers|enaar|enaars|enaren|naar|naars|naren)?"  # "Oosterbroekse", "Heikampers"
# Words before a noun keyword's "-en" form that make it a verb ("we zorgen", "maak me zorgen").
VERB_BEFORE = ("me", "je", "zich", "ons", "we", "wij", "ik", "jullie", "ze", "zij", "te", "zal", "zullen", "moet",
               "moeten", "kan", "kunnen", "gaan", "gaat", "wil", "willen", "blijven", "blijf", "mag", "mogen")
ADDRESSES = r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+\.[\w.]+|@[\w][\w.@-]*"  # links, e-mail, handles


def fold(text: str) -> str:
    """Lower case without accents: "Café Hoogmolen" → "cafe hoogmolen"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def folded(texts: pl.Series | pl.Expr) -> pl.Series | pl.Expr:
    """`fold` over a column of texts."""
    return texts.str.normalize("NFKD").str.replace_all(r"\p{M}", "").str.to_lowercase()


def _alt(items: Iterable[str]) -> str:
    # Longest first, so "oud papier" wins over "oud".
    return "|".join(sorted({i for i in items if i}, key=lambda i: (-len(i), i)))


ACCENTS = {"a": "aàáâäã", "e": "eèéêë", "i": "iìíîï", "o": "oòóôöõ", "u": "uùúûü", "y": "yýÿ", "c": "cç",
           "n": "nñ"}


def _loose(literal: str) -> str:
    """A regex for a folded literal that also matches it written with accents (used with (?i))."""
    return "".join(f"[{ACCENTS[c]}]" if c in ACCENTS else re.escape(c) for c in literal)


def _words(term: str) -> list[str]:
    return [w for w in re.split(r"[\s-]+", fold(term).strip()) if w]


def _phrase(words: list[str], last: Iterable[str]) -> str:
    """A regex for a (multi-word) term over folded text, its last word in any of the forms `last`."""
    return "".join(f"{re.escape(w)}[\\s-]+" for w in words[:-1]) + f"(?:{_alt(re.escape(f) for f in last)})"


def _plurals(word: str) -> set[str]:
    """A noun's plural and diminutive forms, generously: more forms than Dutch has never match by accident."""
    forms = {word + "s", word + "en", word + "je", word + "jes", word + "tje", word + "tjes",
             word + "pje", word + "pjes", word + "etje", word + "etjes"}
    if word.endswith("e"):  # ziekte → ziekten
        forms.add(word + "n")
    if re.search(r"[aeiou][^aeiouwy]$", word) and not re.search(r"[aeiou]{2}.$", word):  # bak → bakken
        forms |= {word + word[-1] + "en", word + word[-1] + "etje"}
    shortened = re.sub(r"(aa|ee|oo|uu)([^aeiou])$", lambda m: m[1][0] + m[2], word)  # boom → bomen
    if shortened != word:
        forms |= {shortened + "en"}
    return forms


def _stem(word: str) -> str | None:
    """The stem of a word in -en, as it stands in compounds and verb forms: parkeren → parkeer, bomen → boom."""
    if not re.search(r"[^aeiou]en$", word) or len(word) < 5:  # "groen" is no -en form
        return None
    stem = word[:-2]
    if re.search(r"([^aeiou])\1$", stem):  # zwemmen → zwem
        return stem[:-1]
    if re.search(r"[^aeiou][aeou][^aeiouwj]$", stem):  # parkeren → parkeer, wonen → woon
        return stem[:-1] + stem[-2] + stem[-1]
    return stem


@dataclass(frozen=True)
class Keyword:
    """One keyword as regexes over a folded word: its whole-word forms and the forms it takes at the start of a
    compound; `bases` are literals that every form contains one of, to find candidate words quickly."""

    forms: str
    modifiers: str
    bases: frozenset[str]
    particle: bool  # a separable verb particle ("weg")
    phrase: bool  # more than one word ("oud papier")
    short: bool  # one short word: "-er" after it is a comparative ("groener"), not a person ("mantelzorger")

    @classmethod
    def of(cls, term: str, verb: bool = True) -> Keyword | None:
        """The keyword `term`; with `verb`, a word in -en also in its stem's forms (parkeren: parkeer, parkeert)."""
        words = _words(term)
        if not words:
            return None
        last = words[-1]
        forms = {last} | _plurals(last)
        modifiers = {last, last + "s"} | _plurals(last) - {last + "je", last + "tje", last + "pje", last + "etje"}
        stem = _stem(last) if verb else None
        if stem:
            forms |= {stem, stem + "t", stem + "de", stem + "den", stem + "te", stem + "ten", "ge" + stem + "d",
                      "ge" + stem + "t"} | _plurals(stem)
            modifiers |= {stem, stem + "s"}
        lead = " ".join(words[:-1]) + " " if len(words) > 1 else ""
        # Forms that hold neither the word nor its stem ("bomen" of "boom") are bases of their own.
        other = {f for f in forms if last not in f and (not stem or stem not in f)}
        bases = frozenset(lead + b for b in {last, stem} | other if b)
        return cls(_phrase(words, forms), _phrase(words, modifiers), bases,
                   len(words) == 1 and last in PARTICLES, len(words) > 1, len(words) == 1 and len(last) < 6)


def _evidence(token: pl.Expr, keywords: Sequence[Keyword], exclude: Sequence[Keyword]) -> pl.Expr:
    """Whether a candidate word (folded, `MARK` before a name) is evidence for the theme of `keywords`."""
    forms = _alt(k.forms for k in keywords)
    mods = _alt(k.modifiers for k in keywords)
    particle_mods = _alt(k.modifiers for k in keywords if k.particle)
    exact = token.str.contains(f"^{MARK}?(?:{forms})$")
    rest = f"(?:{BAD_REST}|(?:s|e|en)?(?:{'|'.join(NAME_ONLY_HEADS)})\\w*)"
    # A short rest starting with a vowel is another word's ending ("park-a", "park-et"), except a person's "-er(s)".
    start = token.str.contains(f"^(?:{mods})\\w{{3,}}$") & ~token.str.contains(f"^(?:{mods})(?:{rest})$") \
        & ~token.str.contains(f"^(?:{mods})(?:[aiouy]\\w?|e|e[^r]\\w?|er[^s])$")
    short_mods = _alt(k.modifiers for k in keywords if k.short)
    if short_mods:
        start = start & ~token.str.contains(f"^(?:{short_mods})ers?$")
    if particle_mods:
        start = start & ~(token.str.contains(f"^(?:{particle_mods})(?:{VERB_REST})$")
                          & ~token.str.contains(f"^(?:{particle_mods})(?:{NOUN_REST})$"))
    end = token.str.contains(f"^\\w{{3,}}(?:{forms})$") \
        & ~token.str.contains(f"^(?:{'|'.join(NOT_MODIFIERS)})(?:{forms})$")
    evidence = exact | start | end
    if exclude:
        excluded = _alt(k.forms for k in exclude)
        excluded_mods = _alt(k.modifiers for k in exclude)
        evidence = evidence & ~token.str.contains(f"^{MARK}?(?:(?:{excluded})|(?:{excluded_mods})\\w*)$")
    return evidence


@dataclass(frozen=True)
class TermMatcher:
    themes: dict[str, tuple[Callable[[pl.Expr], pl.Expr], str]]  # name → (evidence of a word, exclude phrases)
    woonkernen: dict[str, str]  # name → pattern over the text without the municipality as an organisation
    candidates: str  # a word that may be evidence for some theme, with the word before it
    keyword: str  # what every candidate holds
    not_evidence: str  # folded words that are names, never evidence for a theme (woonkernen, own names)
    verbs: str  # noun keywords' "-en" forms, a verb after one of VERB_BEFORE
    particles: str  # keywords that are also separable particles ("weg"): a noun only after a determiner
    place_strip: str  # the municipality named as an organisation, its names, handles and hashtags
    any_place: str  # any woonkern's name in lower case (plain literals: a fast first look)
    fingerprint: str  # changes when the keyword lists change, so stored tags can be redone

    def match(self, text: str) -> tuple[list[str], list[str]]:
        """Return (themes, woonkernen) found in `text`, each in config order."""
        row = self.match_frame([text]).row(0)
        return list(row[0]), list(row[1])

    def match_frame(self, texts: Sequence[str] | pl.Series) -> pl.DataFrame:
        """One row per text, in order: themes and woonkernen (lists, in config order)."""
        texts = texts if isinstance(texts, pl.Series) else pl.Series("text", texts, pl.String)
        frame = pl.DataFrame({"text": texts.fill_null("").str.replace_all(ADDRESSES, " ")})
        # with_columns, not select: a config without keywords gives literals, which must fill every row.
        return frame.with_columns(themes=_found(self._themes(frame["text"])),
                                  woonkernen=_found(self._places(frame["text"]))).select("themes", "woonkernen")

    def _themes(self, texts: pl.Series) -> dict[str, pl.Series]:
        """Per theme, whether each text holds evidence for it."""
        if not self.themes:
            return {}
        frame = pl.DataFrame({"text": texts}).with_columns(
            words=self._words(pl.col("text").str.extract_all(self.candidates)))
        hits = frame.select(**{name: pl.col("words").list.eval(evidence(pl.element())).list.any().fill_null(False)
                               for name, (evidence, _) in self.themes.items()})
        found = {name: hits[name] for name in self.themes}
        for name, (evidence, phrases) in self.themes.items():
            if phrases:  # without the exclude phrases, the words left are looked at again: only where they are
                rows = texts.str.contains(phrases).arg_true()
                if rows.len():
                    again = texts.gather(rows).str.replace_all(phrases, " ").str.extract_all(self.candidates)
                    again = pl.select(self._words(pl.lit(again)).list.eval(evidence(pl.element())).list.any()
                                      .fill_null(False)).to_series()
                    found[name] = found[name].scatter(rows, again)
        return found

    def _places(self, texts: pl.Series) -> dict[str, pl.Series]:
        """Per woonkern, whether each text names it. Only texts holding a woonkern's name are looked at
        closely: the context rules are slow regexes, the name alone is a fast one."""
        if not self.woonkernen:
            return {}
        rows = texts.str.to_lowercase().str.contains(self.any_place).arg_true()
        places = texts.gather(rows)
        if self.place_strip:
            places = places.str.replace_all(self.place_strip, " ")
        nothing = pl.Series([False] * texts.len(), dtype=pl.Boolean)
        return {name: nothing.clone().scatter(rows, places.str.contains(p)) if rows.len() else nothing
                for name, p in self.woonkernen.items()}

    def _words(self, found: pl.Expr) -> pl.Expr:
        """The found words as `_word` makes them, followed by the words before them (`_before`)."""
        return pl.concat_list(found.list.eval(self._word(pl.element())), found.list.eval(self._before(pl.element())))

    def _word(self, found: pl.Expr) -> pl.Expr:
        """A found word, folded, with `MARK` before a name; "" when it cannot be evidence."""
        stripped = found.str.replace(PREVIOUS, "")
        # The first word of a phrase keyword ("Oud papier") is part of it, not the word before it.
        taken = stripped.str.contains(self.keyword) & (stripped != found)
        core = pl.when(taken).then(stripped).otherwise(found)
        word = folded(core)
        previous = pl.when(taken).then(folded(found.str.extract(PREVIOUS, 1)).fill_null("")).otherwise(pl.lit(""))
        name = (taken & found.str.contains(PREVIOUS + r"\p{Lu}\p{Ll}") & ~found.str.starts_with("#")
                | core.str.contains(STREET_NAME) | core.str.contains(r"\p{Ll}\p{Lu}"))
        never = word.str.contains(self.not_evidence) if self.not_evidence else pl.lit(False)
        if self.verbs:
            never = never | (word.str.contains(self.verbs) & previous.str.contains(f"^(?:{'|'.join(VERB_BEFORE)})$"))
        if self.particles:
            never = never | (word.str.contains(self.particles)
                             & ~previous.str.contains(f"^(?:{'|'.join(DETERMINERS)}|\\w{{3,}}e)$"))
        return pl.when(never).then(pl.lit("")).when(name).then(pl.lit(MARK) + word).otherwise(word)

    def _before(self, found: pl.Expr) -> pl.Expr:
        """The word before a found word (when it was taken along), folded, with `MARK` before a name."""
        previous = pl.when(found.str.replace(PREVIOUS, "").str.contains(self.keyword)).then(
            found.str.extract(r"^([\p{L}\p{N}]+),?[ \t]", 1)).fill_null("")
        word = folded(previous)
        name = previous.str.contains(STREET_NAME) | previous.str.contains(r"\p{Ll}\p{Lu}")
        never = word.str.contains(self.not_evidence) if self.not_evidence else pl.lit(False)
        return pl.when(never).then(pl.lit("")).when(name).then(pl.lit(MARK) + word).otherwise(word)


# The word before a found word, or a hashtag's "#". After a letter, digit or comma and a space a capitalised word
# is in mid-sentence: a sentence's first word (after a full stop, a colon, an emoji, the start) is never a name.
PREVIOUS = r"^(?:#|([\p{L}\p{N}]+),?[ \t]+)"
STREET_NAME = rf"^\p{{Lu}}\p{{Ll}}\p{{L}}*(?:{'|'.join(STREET_HEADS)})(?:en|s)?$"
# Before a particle keyword used as a noun: "de weg", "deze weg", "een drukke weg" (not "is weg", "op weg").
DETERMINERS = ("de", "het", "t", "deze", "die", "dit", "een", "geen", "onze", "ons", "jullie", "hun", "mijn",
               "elke", "iedere", "welke", "zelfde")


def _found(hits: dict[str, pl.Expr]) -> pl.Expr:
    """The names whose condition holds."""
    if not hits:
        return pl.lit([], pl.List(pl.String))
    # One boolean per name, packed into a string of the names found and split once: cheaper than list
    # operations per row.
    joined = pl.concat_str([pl.when(hit).then(pl.lit(name)) for name, hit in hits.items()],
                           separator="\x1f", ignore_nulls=True)
    return pl.when(joined == "").then(pl.lit([], pl.List(pl.String))).otherwise(joined.str.split("\x1f"))


def _spaced(words: list[str]) -> str:
    return r"[\s-]+".join(_loose(w) for w in words)


def _place(name: str, ambiguous: bool) -> str:
    """The (case-insensitive) pattern of a woonkern; one named like the municipality only where a place is meant."""
    core = _spaced(_words(name))
    if not ambiguous:
        return rf"(?i)\b{core}{DEMONYM}\b"
    # An adjective from the name is the place ("Veenhorster kermis"); "Veenhorster raad" is stripped before.
    filler = "|".join(FILLER)
    before = (rf"\b(?:{'|'.join(PLACE_WORDS)}|tussen\s+\w+(?:[\s-]+\w+)?\s+en)\s+(?:'?(?:{filler})\s+){{0,3}}"
              rf"{core}\b")
    return rf"(?i){before}|\b{core}[\s-]+(?:{'|'.join(PLACE_PARTS)})\b|\b{core}(?:se|er)\b"


def build_matcher(portfolios: Mapping[str, Sequence[str]], woonkernen: Sequence[str], *,
                  exclude: Mapping[str, Sequence[str]] | None = None, names: Sequence[str] = (),
                  hashtags: Sequence[str] = (), handles: Sequence[str] = ()) -> TermMatcher:
    """Compile the config's portfolios (keywords and exclude terms per portfolio), woonkernen and the
    municipality's names, hashtags and handles into one matcher."""
    exclude = exclude or {}
    themes, bases, nouns_en, particles = {}, set(), set(), set()
    for name, words in portfolios.items():
        keywords = [k for k in map(Keyword.of, words) if k]
        if not keywords:
            continue
        excluded = [(term, k) for term in exclude.get(name, ()) if (k := Keyword.of(term, verb=False))]
        phrases = _alt(rf"\b{_spaced(_words(term))}\b" for term, k in excluded if k.phrase)
        themes[name] = (partial(_evidence, keywords=keywords, exclude=[k for _, k in excluded if not k.phrase]),
                        "(?i)" + phrases if phrases else "")
        bases |= {b for k in keywords for b in k.bases}
        single = [_words(w)[0] for w in words if len(_words(w)) == 1]
        # A noun keyword's "-en" form is also a verb: "we zorgen ervoor", "maak me zorgen" are not about zorg.
        nouns_en |= {re.escape(w + "en") for w in single if not w.endswith("en")}
        particles |= {re.escape(w) for w in single if w in PARTICLES}
    keyword = rf"(?i)(?:{_alt(_spaced(b.split()) for b in bases)})"
    candidates = rf"(?i)(?:#|[\p{{L}}\p{{N}}]+,?[ \t]+)?\w*{keyword.removeprefix('(?i)')}\w*"
    places = [w for w in woonkernen if w.strip()]
    own = {fold(n).strip() for n in names if n.strip()}
    own_bare = own | {re.sub(r"^(?:gemeente|gem\.?)\s+", "", n) for n in own}
    folded_places = {fold(w).strip() for w in places}
    # As words in a text: woonkernen (and their adjectives) and the municipality's own names are not evidence.
    tag_words = {fold(t).strip().lstrip("#") for t in hashtags}
    own_words = {w for n in own | tag_words for w in _words(n)} - {"gemeente", "gem"}
    not_evidence = _alt([*(r"[\s-]+".join(map(re.escape, _words(w))) + DEMONYM for w in folded_places),
                         *map(re.escape, own_words)])
    org_names = _alt(_spaced(_words(n)) for n in own if n not in folded_places)
    tags = _alt(_loose(fold(t).strip()) for t in hashtags if t.strip())
    plain_handles = _alt(_loose(fold(h).strip().lstrip("@")) for h in handles if h.strip().lstrip("@"))
    place_alt = _alt(_spaced(_words(w)) for w in places)
    # The first word of each name, as written and without accents: every way to name it starts so.
    any_place = _alt(re.escape(re.split(r"[\s-]+", v.strip())[0]) for w in places for v in (fold(w), w.lower()))
    strips = [rf"\b(?:{'|'.join(INSTITUTIONS)})\.?\s+(?:van\s+)?(?:{place_alt})\b" if place_alt else "",
              rf"\b(?:{place_alt})(?:se|er)\s+(?:{'|'.join(INSTITUTIONS)}|politiek)\b" if place_alt else "",
              rf"\b(?:{org_names})\b" if org_names else "", rf"(?:{tags})\b" if tags else "",
              rf"\b(?:{plain_handles})\b" if plain_handles else ""]
    place_strip = "|".join(p for p in strips if p)
    woonkern_patterns = {name: _place(name, fold(name).strip() in own_bare) for name in places}
    fingerprint = hashlib.sha256(json.dumps(
        [portfolios, woonkernen, exclude, list(names), list(hashtags), list(handles)], sort_keys=True,
        default=list).encode()).hexdigest()[:16]
    return TermMatcher(
        themes, woonkern_patterns, candidates, keyword, f"^{MARK}?(?:{not_evidence})$" if not_evidence else "",
        f"^(?:{_alt(nouns_en)})$" if nouns_en else "", f"^(?:{_alt(particles)})$" if particles else "",
        "(?i)" + place_strip if place_strip else "", any_place, fingerprint)
