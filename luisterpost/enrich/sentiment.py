"""Dutch sentiment you can explain: label, score and the words and rules that decided it.

The text is cut into words, hashtags (split at capitals: #GoedNieuws → goed nieuws), emoticons, emoji and
punctuation; handles and links are skipped. Each sentiment word or phrase from the vocabulary
(`lexicon.py`) adds its polarity, changed by the rules that apply to it:

- negation: a negator (niet, geen, nooit…) turns the next three words around and weakens them
  (× −0,6: "niet goed" is negative, but less than "slecht");
- intensifiers (heel, erg, echt…) strengthen the next sentiment word within two words (× 1,5), softeners
  (beetje, nogal…) weaken it (× 0,5);
- a word in capitals (3+ letters) counts 1,5 ×;
- contrast: after "maar" (or echter, desondanks) the words count 1,5 ×, the ones before it 0,5 ×;
- a clause ends at . , ; : ? ! (negation and strengthening stop there).

The sum, plus 0,1 per exclamation mark (at most 3) in its direction, is squashed to −1..1 as
sum / √(sum² + 1). Labels: positief from +0,15, negatief from −0,15, neutraal in between."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .lexicon import emoji_key, lexicon

NEGATION_SCOPE = 3
NEGATION = -0.6
INTENSIFY, SOFTEN, CAPITALS, AFTER_CONTRAST, BEFORE_CONTRAST = 1.5, 0.5, 1.5, 1.5, 0.5
MODIFIER_REACH = 2  # an intensifier or softener reaches this many words ahead
EXCLAMATION, MAX_EXCLAMATIONS = 0.1, 3
THRESHOLD = 0.15
EXCESS = 0.4  # polarity of "te" + a word

_EMOJI = "\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF"
_SKIN = "\U0001F3FB-\U0001F3FF"  # skin tones: part of the emoji before them
_TOKEN = re.compile(
    r"(?P<skip>https?://\S+|www\.\S+|@\w[\w.@-]*)"
    r"|#(?P<tag>\w+)"
    r"|(?P<emoticon>>:\(|:'\(|[:;=]-?[)(DPp](?!\w)|<3)"
    r"|(?P<word>[^\W\d_]+(?:['’-][^\W\d_]+)*)"
    rf"|(?P<emoji>[{_EMOJI}][{_SKIN}]?\ufe0f?(?:\u200d[{_EMOJI}\u2640\u2642][{_SKIN}]?\ufe0f?)*)"
    r"|(?P<exclaim>!+)|(?P<stop>[.,;:?]+)",
    re.UNICODE,
)
_CAMEL = re.compile(r"[A-Z]?[a-zà-ÿ]+|[A-Z]+(?![a-z])")
LABELS = ("negatief", "neutraal", "positief")


@dataclass(frozen=True)
class Sentiment:
    label: str  # negatief | neutraal | positief
    score: float  # -1..1
    evidence: tuple[str, ...]  # what counted, e.g. "kapot −0,60", "niet … goed −0,30 (ontkend)"


def _number(value: float) -> str:
    return f"{value:+.2f}".replace(".", ",").replace("-", "−")


def _tokens(text: str):
    """(kind, token as written) for the parts of `text` that matter; hashtags come out as words."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "skip":
            continue
        if kind == "tag":
            tag = match.group("tag")
            for part in _CAMEL.findall(tag) if not tag.islower() and not tag.isupper() else [tag]:
                yield "word", part
            continue
        yield kind, match.group(kind)


def score(text: str) -> Sentiment:
    """Return the sentiment of `text` with the words and rules that decided it."""
    vocabulary = lexicon()
    tokens = list(_tokens(text))
    words = [t.lower() if k == "word" else t for k, t in tokens]
    hits: list[list] = []  # [value, evidence text, rules]
    negate_left = modifier_left = 0
    modifier = 1.0
    modifier_name = negator = contrast = ""  # contrast: the contrast word seen so far, if any
    excess_left = 0
    exclamations = 0
    i = 0
    while i < len(tokens):
        kind, written = tokens[i]
        word = words[i]
        i += 1
        if kind == "exclaim":
            exclamations += len(written)
            negate_left = modifier_left = excess_left = 0
            continue
        if kind == "stop":
            negate_left = modifier_left = excess_left = 0
            continue
        found: tuple[str, float] | None = None
        phrase = _phrase(vocabulary.phrases.get(word), words, i) if kind == "word" else None
        if phrase:
            length, value = phrase
            found = (" ".join(words[i - 1:i - 1 + length]), value)
            i += length - 1
        elif kind == "word":
            role = vocabulary.kind.get(word)
            if role == "negator":
                negate_left, negator = NEGATION_SCOPE + 1, word
                continue
            if role == "excess":
                excess_left = 2
                continue
            if role in ("intensifier", "softener"):
                modifier, modifier_left = (INTENSIFY if role == "intensifier" else SOFTEN), MODIFIER_REACH + 1
                modifier_name = word
                continue
            if role == "contrast":
                for hit in hits:
                    hit[0] *= BEFORE_CONTRAST
                    hit[2].append(f"vóór '{word}'")
                contrast = word
                negate_left = modifier_left = 0
                continue
            polarity = vocabulary.lookup(word)
            found = (word, polarity) if polarity is not None else None  # shown as written, found by its lemma
        elif kind == "emoticon":
            value = vocabulary.polarity.get(written.lower())
            found = (written, value) if value is not None else None
        elif kind == "emoji":
            value = vocabulary.polarity.get(emoji_key(written))
            found = (written, value) if value is not None else None
        # Only before an adjective from the vocabulary (or veel/weinig), not before a verb ("om te helpen"):
        # Dutch infinitives end in -n.
        if excess_left and kind == "word" and not word.endswith("n") and (
                word in ("veel", "weinig") if found is None else found[1] > -EXCESS):
            # "te duur", "te laat", "te weinig": too much of anything is a complaint.
            found = (f"te {found[0] if found else word}", -EXCESS)
            excess_left = 0
        if found is not None and found[1] != 0:
            term, value = found
            rules = []
            if modifier_left:
                value *= modifier
                term = f"{modifier_name} {term}"
                rules.append("versterkt" if modifier > 1 else "afgezwakt")
            if kind == "word" and len(written) >= 3 and written.isupper():
                value *= CAPITALS
                rules.append("hoofdletters")
            if negate_left:
                value *= NEGATION
                term = f"{negator} … {term}"
                rules.append("ontkend")
            if contrast:
                value *= AFTER_CONTRAST
                rules.append(f"na '{contrast}'")
            hits.append([value, term, rules])
        negate_left = max(negate_left - 1, 0)
        excess_left = max(excess_left - 1, 0)
        modifier_left = max(modifier_left - 1, 0)
    total = sum(h[0] for h in hits)
    evidence = [f"{term} {_number(value)}" + (f" ({', '.join(rules)})" if rules else "") for value, term, rules in hits]
    if total and exclamations:
        marks = min(exclamations, MAX_EXCLAMATIONS)
        boost = math.copysign(EXCLAMATION * marks, total)
        total += boost
        evidence.append(f"{'!' * marks} {_number(boost)} (uitroeptekens)")
    value = total / math.sqrt(total * total + 1)
    label = "positief" if value >= THRESHOLD else "negatief" if value <= -THRESHOLD else "neutraal"
    return Sentiment(label, round(value, 3), tuple(evidence))


def _phrase(candidates: dict[tuple[str, ...], float] | None, words: list[str], start: int) -> tuple[int, float] | None:
    """The longest phrase of `candidates` whose remaining words follow at `start`: (its length, polarity)."""
    if not candidates:
        return None
    best = None
    for rest, value in candidates.items():
        if tuple(words[start:start + len(rest)]) == rest and (best is None or len(rest) + 1 > best[0]):
            best = (len(rest) + 1, value)
    return best
