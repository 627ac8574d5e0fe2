"""What a group of posts is about: its top terms against a baseline, and the posts that carry them.

Words are lower-cased runs of at least 4 letters outside links, e-mail addresses, handles (@name, u/name,
name.bsky.social), #hashtags and the names greetings open with ("Dag Sietske": masking.mask_greetings), so a
term never names a resident. A word does not
count when it, or its Dutch lemma (simplemma), is a stop word: the stop-words package's Dutch list (function
words) plus the everyday verbs and fillers of social media below. The municipality's own names, handles,
hashtags and woonkernen (`excluded_words`) never count either: every post names them. Words with the same
lemma ("boom", "bomen") count as one term, shown in the form used most."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import polars as pl
import simplemma
from stop_words import get_stop_words

from ..enrich.terms import fold
from ..masking import NAME, mask_greetings_in

# Lemmas the stop-words package's list lacks: pronouns, adverbs, everyday verbs and the fillers of posts
# ("dank je", "klopt dat?", "ik hoor dat"), which say nothing about what happened.
FILLERS = frozenset("""
alle allemaal alweer beetje best bijna dank danken bedanken bedankt dingen echt elke even fijn gaan
gewoon gisteren graag groet helemaal hele heel hier hoor horen iedereen jullie kijken kloppen komen
krijgen laten liggen maken misschien mogen morgen moeten nemen nooit ooit paar precies staan steeds
vandaag vanavond vanochtend vinden vragen waarom wanneer weer welke weten willen zeggen zetten zien
zitten zullen blijven denken doen geven hebben houden kunnen worden zijn ding keer mensen gemeente
waar niks niemand twee drie vier tien honderd uur dag week maand jaar nacht rond bezig staat zeker
tijdens sinds vanaf langs binnen buiten tussen naast achter boven terwijl zodat zoals daarom daarna
eigenlijk inmiddels namelijk trouwens ergens nergens overal vooral
""".split())
STOPWORDS = frozenset(get_stop_words("dutch")) | FILLERS
# Whole tokens: anything with an @ or a / (links, e-mail addresses, handles, u/name), www. and Bluesky handles.
_LINK = re.compile(r"\S*[@/]\S*|www\.\S+|\S+\.bsky\.social\b\S*")
_WORD = re.compile(r"(?<![@#\w])[^\W\d_]{4,}(?!\w)", re.UNICODE)


@lru_cache(maxsize=200_000)  # the words of a municipality's posts: bounded in a long-running worker
def lemma(word: str) -> str:
    """The Dutch base form of a lower-case word ("bomen" → "boom"), or the word itself."""
    return simplemma.lemmatize(word, lang="nl")


def excluded_words(*names: Iterable[str]) -> frozenset[str]:
    """The folded words of the municipality's names, handles, hashtags and woonkernen ("gemeente Lindeveen",
    "@gemeentelindeveen", "#lindeveen", a Mastodon handle with its instance): they are in every post."""
    return frozenset(fold(w) for group in names for name in group for w in re.split(r"[^\w]+|_", name) if w)


def words(text: str, exclude: frozenset[str] = frozenset()) -> dict[str, str]:
    """lemma → the form `text` used, for each word that counts (see the module's docstring)."""
    found = {}
    for word in _WORD.findall(_LINK.sub(" ", text.lower())):
        base = lemma(word)
        if word in STOPWORDS or base in STOPWORDS or fold(word) in exclude or fold(base) in exclude:
            continue
        found.setdefault(base, word)
    return found


def top_terms(texts: list[str], baseline_texts: list[str], n: int = 10,
              exclude: frozenset[str] = frozenset()) -> list[str]:
    """Up to `n` terms over-represented in `texts` against `baseline_texts`: used in at least 3 posts and,
    scaled to the same number of posts, at least twice as often as in the baseline (lift
    `(c × s + 1) / (b + 1)` ≥ 2, with c and b the posts using the term and s = baseline posts / posts).
    Ranked by `c × log2(lift)`, so a frequent term beats a rare one that is merely new; equal scores in
    alphabetical order."""
    texts, baseline_texts = _without_greeted_names(texts), _without_greeted_names(baseline_texts)
    forms: Counter[tuple[str, str]] = Counter()
    now: Counter[str] = Counter()
    for text in texts:
        for base, form in words(text, exclude).items():
            now[base] += 1
            forms[base, form] += 1
    before = Counter(base for text in baseline_texts for base in words(text, exclude))
    scale = max(len(baseline_texts), 1) / max(len(texts), 1)
    scored = {}
    for base, c in now.items():
        lift = (c * scale + 1) / (before.get(base, 0) + 1)
        if c >= 3 and lift >= 2:
            shown = max((f for b, f in forms if b == base), key=lambda f: (forms[base, f], f))
            scored[shown] = c * math.log2(lift)
    return [w for w, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def _without_greeted_names(texts: list[str]) -> list[str]:
    """`texts` without the names greetings open with ("Dag Sietske," → "Dag ,"), all at once."""
    if not texts:
        return texts
    return mask_greetings_in(pl.Series("text", texts, dtype=pl.String)).str.replace_all(NAME, "", literal=True).to_list()


def lead_posts(posts: pl.DataFrame, terms: list[str], n: int, exclude: frozenset[str] = frozenset()) -> pl.DataFrame:
    """The `n` posts of `posts` (with `text` and `engagement`, in time order) that best carry `terms`: one by
    one, the post using the most not yet covered terms (the first terms weigh most), so the leads show
    different sides; then one using another mix of terms than those chosen, then the most terms; ties go to
    more engagement, then the earlier post. Posts using none of the terms come last."""
    weights = {lemma(t): len(terms) - i for i, t in enumerate(terms)}
    used = [set(words(text or "", exclude)) & weights.keys() for text in posts["text"].to_list()]
    engagement = posts["engagement"].to_list()
    remaining = list(range(posts.height))  # posts come in time order, so a lower index is earlier
    covered: set[str] = set()
    chosen: list[int] = []
    mixes: list[set[str]] = []
    while remaining and len(chosen) < n:
        def gain(i: int) -> tuple[int, bool, int, int, int]:  # only used by this iteration's max()
            return (sum(weights[t] for t in used[i] - covered), bool(used[i]) and used[i] not in mixes,  # noqa: B023
                    sum(weights[t] for t in used[i]), engagement[i], -i)

        best = max(remaining, key=gain)
        chosen.append(best)
        remaining.remove(best)
        covered |= used[best]
        mixes.append(used[best])
    return posts[chosen]


def negative_issues(in_period: pl.DataFrame, before: pl.DataFrame, exclude: frozenset[str] = frozenset(),
                    n: int = 8) -> list[dict[str, object]]:
    """The words residents' negative posts in `in_period` use more than those in `before` did (`top_terms`,
    never one of `exclude`: the municipality's own names, handles and woonkernen), as term and posts: how
    many of the negative posts contain it."""
    def negative_texts(frame: pl.DataFrame) -> list[str]:
        if frame.is_empty():
            return []
        return frame.filter(~pl.col("is_own") & (pl.col("sentiment_label") == "negatief"))["text"].to_list()

    texts = negative_texts(in_period)
    lowered = pl.Series(texts, dtype=pl.String).str.to_lowercase()
    return [{"term": term, "posts": int(lowered.str.contains(term, literal=True).sum())}
            for term in top_terms(texts, negative_texts(before), n, exclude=exclude)]
