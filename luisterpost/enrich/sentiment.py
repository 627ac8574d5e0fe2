"""Dutch sentiment you can explain: label, score and the words and rules that decided it.

The text is cut into words (split at capitals inside a word, so hashtags read as words: #GoedNieuws → goed
nieuws), emoticons, emoji and punctuation; handles and links are skipped. Each sentiment word or phrase from
the vocabulary (`lexicon.py`) adds its polarity, changed by the rules that apply to it:

- negation: a negator (niet, geen, nooit…) turns the next three words around and weakens them
  (× −0,6: "niet goed" is negative, but less than "slecht");
- intensifiers (heel, erg, echt…) strengthen a sentiment word up to two words on (× 1,5), softeners
  (beetje, nogal…) weaken it (× 0,5);
- "te" + a word is a complaint (−0,4: "te duur", "te laat", "te weinig"), unless the word is a verb
  ("om te helpen": Dutch infinitives end in -n) or already more negative;
- a word in capitals (3+ letters) counts 1,5 ×;
- contrast: after "maar" (or echter, desondanks) the words count 1,5 ×, the ones before it 0,5 ×;
- in a question, positive words count for nothing: they are asked about, not said ("Is het park al mooi?"),
  while negative ones still count ("Waarom is de lantaarn nog steeds kapot?");
- negative words weigh 1,5 × as much as positive ones: people use praise loosely and blame deliberately, so
  a negative word says more about what a post means;
- a clause ends at . , ; : ? ! and at a contrast word (negation and strengthening stop there).

The sum, plus 0,1 per exclamation mark (at most 3) in its direction, is squashed to −1..1 as
sum / √(sum² + 1). Labels: positief from +0,15, negatief from −0,15, neutraal in between.

Texts are scored in batches, as columns (`score_frame`): one pass over all their words at once is what
makes enrichment fast. `score` scores one text the same way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import polars as pl

from .lexicon import lexicon

NEGATION_SCOPE = 3
NEGATION = -0.6
INTENSIFY, SOFTEN, CAPITALS, AFTER_CONTRAST, BEFORE_CONTRAST = 1.5, 0.5, 1.5, 1.5, 0.5
MODIFIER_REACH = 2  # an intensifier or softener reaches this many words ahead
EXCLAMATION, MAX_EXCLAMATIONS = 0.1, 3
THRESHOLD = 0.15
NEGATIVE_WEIGHT = 1.5
QUESTION = 0.0  # what a positive word in a question counts
EXCESS = 0.4  # polarity of "te" + a word

_EMOJI = "\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF"
# Not read: links and handles; skin tones, variation selectors and the emoji joined to a first one
# (👍🏻 counts as 👍, ❤️‍🔥 as ❤).
LINKS, HANDLES = r"https?://\S+|www\.\S+", r"@\w[\w.@-]*"
LINKS_AND_HANDLES = f"{LINKS}|{HANDLES}"
_EMOJI_PARTS = f"[\U0001F3FB-\U0001F3FF\ufe0f]|\u200d[{_EMOJI}\u2640\u2642]"
_CAMEL = r"(\p{Ll})(\p{Lu})"  # a capital inside a word starts a new one: #GoedNieuws → Goed Nieuws
_CAPITALS = r"\b\p{Lu}{3,}\b"
TOKEN = (  # matched in the lower-cased text
    r">:\(|:'\(|[:;=]-?(?:[)(]|[dp]\b)|<3"  # emoticons
    r"|\p{L}+(?:['’-]\p{L}+)*"  # words
    f"|[{_EMOJI}]"
    r"|[.,;:?!]"  # clause ends
)
STOPS = (".", ",", ";", ":", "?", "!")


@dataclass(frozen=True)
class Sentiment:
    label: str  # negatief | neutraal | positief
    score: float  # -1..1
    evidence: tuple[str, ...]  # what counted, e.g. "kapot −0,60", "niet … goed −0,30 (ontkend)"


def score(text: str) -> Sentiment:
    """Return the sentiment of `text` with the words and rules that decided it."""
    row = score_frame([text]).row(0, named=True)
    return Sentiment(row["sentiment_label"], row["sentiment_score"], tuple(row["sentiment_evidence"]))


def score_frame(texts: Sequence[str] | pl.Series) -> pl.DataFrame:
    """One row per text, in order: sentiment_label, sentiment_score (−1..1, 3 decimals) and
    sentiment_evidence (a list of what counted, in the order of the text)."""
    texts = (texts if isinstance(texts, pl.Series) else pl.Series("text", texts, pl.String)).fill_null("")
    readable = (texts.str.replace_all(LINKS_AND_HANDLES, " ").str.replace_all(_EMOJI_PARTS, "")
                .str.replace_all(_CAMEL, "$1 $2"))
    per_doc = _hits(readable).group_by("doc", maintain_order=True).agg(
        total=pl.col("value").sum(), evidence=pl.col("evidence"))
    frame = (
        pl.DataFrame({"marks": readable.str.count_matches("!").clip(0, MAX_EXCLAMATIONS)}).with_row_index("doc")
        .join(per_doc, on="doc", how="left", maintain_order="left")
        .with_columns(total=pl.col("total").fill_null(0.0),
                      evidence=pl.col("evidence").fill_null(pl.lit([], pl.List(pl.String))))
    )
    boost = pl.when((pl.col("total") != 0) & (pl.col("marks") > 0)).then(
        pl.col("marks") * EXCLAMATION * pl.col("total").sign())
    frame = frame.with_columns(boost=boost).with_columns(
        total=pl.col("total") + pl.col("boost").fill_null(0.0),
        evidence=pl.when(pl.col("boost").is_not_null()).then(pl.col("evidence").list.concat(pl.concat_list(
            pl.format("{} {} (uitroeptekens)", _exclamations(pl.col("marks")), _number(pl.col("boost"))))))
        .otherwise(pl.col("evidence")),
    )
    value = pl.col("total") / (pl.col("total") ** 2 + 1).sqrt()
    return frame.select(
        sentiment_label=pl.when(value >= THRESHOLD).then(pl.lit("positief"))
        .when(value <= -THRESHOLD).then(pl.lit("negatief")).otherwise(pl.lit("neutraal")),
        sentiment_score=value.round(3),
        sentiment_evidence=pl.col("evidence"),
    )


def _exclamations(marks: pl.Expr) -> pl.Expr:
    return pl.when(marks == 1).then(pl.lit("!")).when(marks == 2).then(pl.lit("!!")).otherwise(pl.lit("!!!"))


def _number(value: pl.Expr) -> pl.Expr:
    """"+0,30" / "−0,63": the Dutch way, with a real minus sign."""
    cents = (value.abs() * 100 + 1e-9).round(0).cast(pl.Int64)  # 0,9495 shows as 0,95, not 0,94 (binary noise)
    return pl.format("{}{},{}", pl.when(value < 0).then(pl.lit("−")).otherwise(pl.lit("+")),
                     cents // 100, (cents % 100).cast(pl.String).str.zfill(2))


@dataclass(frozen=True)
class _Table:
    index: dict[str, int]  # vocabulary entry → its row
    frame: pl.DataFrame  # id, polarity, role (negator/intensifier/softener/excess/contrast/stop)
    firsts: frozenset[str]  # first words of the phrases
    lengths: tuple[int, ...]  # the phrases' lengths in words


@cache
def _table() -> _Table:
    vocabulary = lexicon()
    entries = [(k, v, None) for k, v in vocabulary.polarity.items()]
    entries += [(k, None, role) for k, role in vocabulary.kind.items()]
    entries += [(k, None, "stop") for k in STOPS]
    frame = pl.DataFrame(entries, schema={"key": pl.String, "polarity": pl.Float64, "role": pl.String},
                         orient="row").with_row_index("id")
    phrases = vocabulary.phrases
    return _Table({k: i for i, (k, _, _) in enumerate(entries)}, frame.drop("key"),
                  frozenset(p.split(" ", 1)[0] for p in phrases), tuple(sorted({p.count(" ") + 1 for p in phrases})))


@lru_cache(maxsize=1_000_000)
def _entry(key: str) -> int | None:
    """The vocabulary row a token stands for: its own or, for a word the table lacks, its lemma's."""
    table = _table()
    found = table.index.get(key)
    if found is None and len(key) >= 4 and key.isalpha():
        base = lexicon().base_form(key)
        found = None if base is None else table.index[base]
    return found


def _tokens(readable: pl.Series) -> pl.DataFrame:
    """One row per token, in text order: doc (the text's position), key (lower case) and id (its vocabulary
    row, null for the many words that carry nothing)."""
    tokens = (pl.DataFrame({"key": readable.str.to_lowercase().str.extract_all(TOKEN)})
              .with_row_index("doc").explode("key", empty_as_null=False))
    # Each distinct word is looked up once (in Python, with the lemmatiser); the tokens then get their row
    # in one vectorised replace.
    known = {key: found for key in tokens["key"].unique().to_list() if (found := _entry(key)) is not None}
    return tokens.with_columns(id=pl.col("key").replace_strict(known, default=None, return_dtype=pl.UInt32))


def _phrases(tokens: pl.DataFrame) -> pl.DataFrame:
    """The vocabulary's phrases found among `tokens` (the longest from the left wins): row of the first word,
    doc, length in words, the phrase and its polarity."""
    table, phrases = _table(), lexicon().phrases
    schema = {"row": pl.UInt32, "doc": pl.UInt32, "length": pl.Int64, "term": pl.String}
    starts = tokens.with_row_index("row").filter(pl.col("key").is_in(table.firsts)).select("row", "doc")
    keys, docs, n = tokens["key"], tokens["doc"], tokens.height
    found: dict[int, tuple[int, int, str]] = {}
    for length in table.lengths:
        fits = starts.filter(pl.col("row") + (length - 1) < n)
        if fits.is_empty():
            continue
        rows = fits["row"]
        parts = {f"k{k}": keys.gather(rows + k) for k in range(length)}
        grams = pl.DataFrame({"row": rows, "doc": fits["doc"], "same": docs.gather(rows + (length - 1)) == fits["doc"],
                              **parts}).with_columns(term=pl.concat_str(list(parts), separator=" "))
        for row, doc, term in grams.filter(pl.col("same") & pl.col("term").is_in(list(phrases))).select(
                "row", "doc", "term").iter_rows():
            found[row] = (doc, length, term)  # longer lengths come later and win
    taken, end = [], -1
    for row in sorted(found):
        if row > end:  # not inside a phrase taken already
            doc, length, term = found[row]
            taken.append((row, doc, length, term))
            end = row + length - 1
    return pl.DataFrame(taken, schema=schema, orient="row").with_columns(
        polarity=pl.col("term").replace_strict(phrases, default=None, return_dtype=pl.Float64))


def _relevant(tokens: pl.DataFrame) -> pl.DataFrame:
    """The tokens the rules read, in text order: sentiment words and phrases (term, polarity), negators,
    modifiers, contrast words and clause ends (role); row is the token's place, so distances count every
    word. "te" + a word becomes one sentiment term."""
    table = _table()
    phrases = _phrases(tokens)
    covered = phrases.select(pl.int_ranges("row", pl.col("row") + pl.col("length"), dtype=pl.UInt32)).explode(
        "row", empty_as_null=False)["row"]
    rows = (
        tokens.with_row_index("row").filter(pl.col("id").is_not_null())
        .filter(~pl.col("row").is_in(covered.implode()))
        .join(table.frame, on="id", how="left", maintain_order="left")
        .select("row", "doc", "key", term=pl.col("key"), polarity="polarity", role="role")
    )
    # "te" + a word: only before an adjective from the vocabulary (or veel/weinig), not before a verb
    # (Dutch infinitives end in -n) and not before a word that says more already ("te slecht").
    te = rows.filter(pl.col("role") == "excess").select("row", "doc", next=pl.col("row") + 1)
    te = te.filter(pl.col("next") < tokens.height)
    te = te.with_columns(next_doc=tokens["doc"].gather(te["next"]), key=tokens["key"].gather(te["next"]),
                         next_id=tokens["id"].gather(te["next"]))
    te = te.join(table.frame.rename({"id": "next_id"}), on="next_id", how="left").filter(
        (pl.col("next_doc") == pl.col("doc")) & pl.col("role").is_null() & pl.col("key").str.contains(r"^\p{L}")
        & ~pl.col("key").str.ends_with("n") & ~pl.col("next").is_in(covered.implode())
        & pl.when(pl.col("polarity").is_null()).then(pl.col("key").is_in(["veel", "weinig"]))
        .otherwise(pl.col("polarity") > -EXCESS)
    ).select(row="next", doc="doc", key="key", term=pl.lit("te ") + pl.col("key"),
             polarity=pl.lit(-EXCESS), role=pl.lit(None, pl.String))
    return pl.concat([
        rows.filter((pl.col("role") != "excess").fill_null(True) & ~pl.col("row").is_in(te["row"].implode())),
        te,
        phrases.select("row", "doc", key="term", term="term", polarity="polarity", role=pl.lit(None, pl.String)),
    ]).sort("row")


def _capitals(readable: pl.Series) -> pl.DataFrame:
    """(doc, key, capitals): the words written in capitals (3+ letters), per text."""
    texts = pl.DataFrame({"text": readable}).with_row_index("doc").filter(pl.col("text").str.contains(r"\p{Lu}{3}"))
    return texts.select("doc", key=pl.col("text").str.extract_all(_CAPITALS)).explode(
        "key", empty_as_null=False).select("doc", key=pl.col("key").str.to_lowercase(), capitals=pl.lit(True)).unique()


def _carried(flag: pl.Expr, *values: tuple[str, pl.Expr]) -> list[pl.Expr]:
    """For each row, the given values of the last row (at or before it) where `flag` holds."""
    return [pl.when(flag).then(expr).forward_fill().alias(name) for name, expr in values]


def _hits(readable: pl.Series) -> pl.DataFrame:
    """One row per sentiment word or phrase that counts: doc, value (after the rules), evidence."""
    rows = _relevant(_tokens(readable))
    role = pl.col("role")
    contrast = (role == "contrast").fill_null(False)
    new_doc = pl.col("doc") != pl.col("doc").shift(1, fill_value=-1)
    rows = rows.with_columns(clause=((role == "stop").fill_null(False) | contrast | new_doc).cum_sum())
    negator = (role == "negator").fill_null(False)
    modifier = role.is_in(["intensifier", "softener"]).fill_null(False)
    rows = rows.with_columns(
        next_stop=pl.when(role == "stop").then(pl.col("key")).backward_fill(),
        next_stop_doc=pl.when(role == "stop").then(pl.col("doc")).backward_fill(),
        *_carried(negator, ("neg_row", pl.col("row")), ("neg_clause", pl.col("clause")), ("neg_word", pl.col("key"))),
        *_carried(modifier, ("mod_row", pl.col("row")), ("mod_clause", pl.col("clause")), ("mod_word", pl.col("key")),
                  ("mod_factor", pl.when(role == "intensifier").then(INTENSIFY).otherwise(SOFTEN))),
    ).filter((pl.col("polarity").is_not_null() & (pl.col("polarity") != 0)) | contrast)
    rows = rows.with_columns(
        contrasts_after=contrast.cast(pl.Int32).cum_sum(reverse=True).over("doc") - contrast.cast(pl.Int32),
        next_contrast=pl.when(contrast).then(pl.col("key")).backward_fill().over("doc"),
        last_contrast=pl.when(contrast).then(pl.col("key")).forward_fill().over("doc"),
    ).filter(~contrast)
    rows = rows.join(_capitals(readable), on=["doc", "key"], how="left", maintain_order="left")
    negated = ((pl.col("neg_clause") == pl.col("clause")) & (pl.col("row") - pl.col("neg_row") <= NEGATION_SCOPE)
               ).fill_null(False)
    modified = ((pl.col("mod_clause") == pl.col("clause")) & (pl.col("row") - pl.col("mod_row") <= MODIFIER_REACH)
                ).fill_null(False)
    capitals = pl.col("capitals").fill_null(False)
    question = ((pl.col("next_stop") == "?") & (pl.col("next_stop_doc") == pl.col("doc"))).fill_null(False)
    asked = question & (pl.col("polarity") > 0)
    after = pl.col("last_contrast").is_not_null()
    before = pl.col("contrasts_after") > 0
    value = (
        pl.col("polarity") * pl.when(pl.col("polarity") < 0).then(NEGATIVE_WEIGHT).otherwise(1.0)
        * pl.when(modified).then(pl.col("mod_factor")).otherwise(1.0)
        * pl.when(capitals).then(CAPITALS).otherwise(1.0)
        * pl.when(negated).then(NEGATION).otherwise(1.0)
        * pl.when(after).then(AFTER_CONTRAST).otherwise(1.0)
        * pl.lit(BEFORE_CONTRAST).pow(pl.col("contrasts_after"))
        * pl.when(asked).then(QUESTION).otherwise(1.0)
    )
    term = pl.when(modified).then(pl.format("{} {}", "mod_word", "term")).otherwise(pl.col("term"))
    term = pl.when(negated).then(pl.format("{} … {}", "neg_word", term)).otherwise(term)
    rules = pl.concat_str([
        pl.when(modified).then(pl.when(pl.col("mod_factor") > 1).then(pl.lit("versterkt")).otherwise(pl.lit("afgezwakt"))),
        pl.when(capitals).then(pl.lit("hoofdletters")),
        pl.when(negated).then(pl.lit("ontkend")),
        pl.when(after).then(pl.format("na '{}'", "last_contrast")),
        pl.when(before).then(pl.format("vóór '{}'", "next_contrast")),
        pl.when(asked).then(pl.lit("in een vraag")),
    ], separator=", ", ignore_nulls=True)
    return rows.with_columns(value=value).select(
        "doc", "value",
        evidence=pl.format("{} {}", term, _number(pl.col("value")))
        + pl.when(rules != "").then(pl.format(" ({})", rules)).otherwise(pl.lit("")),
    )
