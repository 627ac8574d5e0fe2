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
- a clause ends at . , ; : ? ! and a dash (not one inside a word), and at a contrast word (negation and
  strengthening stop there);
- a job of the municipality's (a participle such as gemaakt, opgehaald, gerepareerd, or an infinitive
  such as oplossen) counts its own polarity when said plainly (0 for the ones as often about anything
  else: "een foto gemaakt"), −0,7 when negated ("niet opgehaald", "nog steeds niet gemaakt": a job not done
  is a complaint, whatever the word's own polarity), nothing after an auxiliary that puts it in the future
  or asks for it, up to four words before it or two after ("wordt gemaakt", "moet gerepareerd worden": not
  yet done), and at least +0,5 after a prompt word up to three words before it ("snel gemaakt", "binnen een
  dag geregeld", "op tijd geleegd");
- empathy: in a clause with an apology ("sorry", "excuses"), or with a word of sympathy (vervelend, jammer,
  balen …) that is said to someone ("u", "uw", "voor je", "te horen", "te lezen") or is followed by an
  offer of help ("Vervelend! We sturen iemand."), negative words count nothing: a reply's fellow-feeling
  is no complaint. Said otherwise ("vervelend dat de container niet is opgehaald") they count as usual.

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
NOT_DONE = -0.7  # a job not done: "niet opgehaald", "nog steeds niet gemaakt"
DONE_PROMPTLY = 0.5  # a job done quickly or on time, at least: "snel gemaakt", "op tijd geleegd"
PENDING_REACH, PENDING_AFTER = 4, 2  # "wordt … gemaakt" up to 4 words before it, "gemaakt wordt" 2 after
PROMPT_REACH = 3  # "binnen een dag geregeld"
OFFERS = ("we", "wij")  # "Vervelend! We sturen iemand.": a reply that offers help

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
    r"|[.,;:?!–—-]"  # clause ends; a dash inside a word belongs to the word
)
STOPS = (".", ",", ";", ":", "?", "!", "-", "–", "—")


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
    # A word may have a polarity and a role at once ("vervelend": sympathy, "snel": prompt).
    entries = [(k, v, vocabulary.kind.get(k)) for k, v in vocabulary.polarity.items()]
    entries += [(k, None, role) for k, role in vocabulary.kind.items() if k not in vocabulary.polarity and " " not in k]
    entries += [(k, None, "stop") for k in STOPS]
    frame = pl.DataFrame(entries, schema={"key": pl.String, "polarity": pl.Float64, "role": pl.String},
                         orient="row").with_row_index("id")
    phrases = vocabulary.phrase_terms
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
    doc, length in words, the phrase, its polarity and its role (null for plain sentiment)."""
    table, vocabulary = _table(), lexicon()
    phrases = vocabulary.phrase_terms
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
        polarity=pl.col("term").replace_strict(vocabulary.phrases, default=None, return_dtype=pl.Float64),
        role=pl.col("term").replace_strict(vocabulary.kind, default=None, return_dtype=pl.String))


def _relevant(tokens: pl.DataFrame) -> pl.DataFrame:
    """The tokens the rules read, in text order: sentiment words and phrases (term, polarity), negators,
    modifiers, contrast words, clause ends and the other roles (role); row is the token's place, so
    distances count every word. "te" + a word becomes one sentiment term. `offer` marks a word of sympathy
    that ends its clause when the next one opens with "we" ("Vervelend! We sturen iemand.")."""
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
    found = pl.concat([
        rows.filter((pl.col("role") != "excess").fill_null(True) & ~pl.col("row").is_in(te["row"].implode())),
        te,
        phrases.select("row", "doc", key="term", term="term", polarity="polarity", role="role"),
    ]).sort("row")
    sympathy = found.filter((pl.col("role") == "sympathy") & (pl.col("row") + 2 < tokens.height))
    stop, opener = sympathy["row"] + 1, sympathy["row"] + 2
    offered = sympathy.filter(tokens["key"].gather(stop).is_in(STOPS) & tokens["key"].gather(opener).is_in(OFFERS)
                              & (tokens["doc"].gather(opener) == sympathy["doc"]))["row"]
    return found.with_columns(offer=pl.col("row").is_in(offered.implode()))


def _capitals(readable: pl.Series) -> pl.DataFrame:
    """(doc, key, capitals): the words written in capitals (3+ letters), per text."""
    texts = pl.DataFrame({"text": readable}).with_row_index("doc").filter(pl.col("text").str.contains(r"\p{Lu}{3}"))
    return texts.select("doc", key=pl.col("text").str.extract_all(_CAPITALS)).explode(
        "key", empty_as_null=False).select("doc", key=pl.col("key").str.to_lowercase(), capitals=pl.lit(True)).unique()


def _carried(flag: pl.Expr, *values: tuple[str, pl.Expr]) -> list[pl.Expr]:
    """For each row, the given values of the last row (at or before it) where `flag` holds."""
    return [pl.when(flag).then(expr).forward_fill().alias(name) for name, expr in values]


def _within(row: str, clause: str, reach: int, *, after: bool = False) -> pl.Expr:
    """Whether the carried word (its `row` and `clause`) is in this row's clause, at most `reach` words
    before it (or, with `after`, after it)."""
    distance = pl.col(row) - pl.col("row") if after else pl.col("row") - pl.col(row)
    return ((pl.col(clause) == pl.col("clause")) & (distance <= reach)).fill_null(False)


def _empathic(rows: pl.DataFrame) -> pl.Series:
    """The clauses that show fellow-feeling: an apology, or a word of sympathy said to someone ("voor je",
    "u", "te horen") or followed by an offer of help. Their negative words count nothing."""
    # Grouped over the few rows with these roles only: a window over every clause costs far more.
    marks = rows.filter(pl.col("role").is_in(["apology", "sympathy", "address"]))
    role = pl.col("role")
    return marks.group_by("clause").agg(
        apology=(role == "apology").any(), offered=((role == "sympathy") & pl.col("offer")).any(),
        sympathy=(role == "sympathy").any(), address=(role == "address").any(),
    ).filter(pl.col("apology") | pl.col("offered") | (pl.col("sympathy") & pl.col("address")))["clause"]


def _hits(readable: pl.Series) -> pl.DataFrame:
    """One row per sentiment word or phrase that counts: doc, value (after the rules), evidence."""
    rows = _relevant(_tokens(readable))
    role = pl.col("role")

    def has(name: str) -> pl.Expr:
        return (role == name).fill_null(False)

    contrast = has("contrast")
    new_doc = pl.col("doc") != pl.col("doc").shift(1, fill_value=-1)
    rows = rows.with_columns(clause=(has("stop") | contrast | new_doc).cum_sum())
    modifier = role.is_in(["intensifier", "softener"]).fill_null(False)
    pending = has("pending")
    rows = rows.with_columns(
        next_stop=pl.when(role == "stop").then(pl.col("key")).backward_fill(),
        next_stop_doc=pl.when(role == "stop").then(pl.col("doc")).backward_fill(),
        *_carried(has("negator"), ("neg_row", pl.col("row")), ("neg_clause", pl.col("clause")),
                  ("neg_word", pl.col("key"))),
        *_carried(modifier, ("mod_row", pl.col("row")), ("mod_clause", pl.col("clause")), ("mod_word", pl.col("key")),
                  ("mod_factor", pl.when(role == "intensifier").then(INTENSIFY).otherwise(SOFTEN))),
        *_carried(pending, ("pend_row", pl.col("row")), ("pend_clause", pl.col("clause"))),
        *_carried(has("prompt"), ("prompt_row", pl.col("row")), ("prompt_clause", pl.col("clause")),
                  ("prompt_word", pl.col("key"))),
        next_pend_row=pl.when(pending).then(pl.col("row")).backward_fill(),
        next_pend_clause=pl.when(pending).then(pl.col("clause")).backward_fill(),
        empathic=pl.col("clause").is_in(_empathic(rows).implode()),
    ).filter((pl.col("polarity").is_not_null() & (pl.col("polarity") != 0)) | contrast | has("done"))
    rows = rows.with_columns(
        contrasts_after=contrast.cast(pl.Int32).cum_sum(reverse=True).over("doc") - contrast.cast(pl.Int32),
        next_contrast=pl.when(contrast).then(pl.col("key")).backward_fill().over("doc"),
        last_contrast=pl.when(contrast).then(pl.col("key")).forward_fill().over("doc"),
    ).filter(~contrast)
    rows = rows.join(_capitals(readable), on=["doc", "key"], how="left", maintain_order="left")
    negated = _within("neg_row", "neg_clause", NEGATION_SCOPE)
    modified = _within("mod_row", "mod_clause", MODIFIER_REACH)
    # A job: not done when negated ("nog steeds niet gemaakt"), not yet when an auxiliary puts it in the
    # future or asks for it ("wordt gemaakt", "moet opgehaald worden"), praise when done quickly.
    done = has("done")
    undone = done & negated
    waiting = done & ~undone & (_within("pend_row", "pend_clause", PENDING_REACH)
                                | _within("next_pend_row", "next_pend_clause", PENDING_AFTER, after=True))
    prompt = done & ~undone & ~waiting & _within("prompt_row", "prompt_clause", PROMPT_REACH)
    polarity = pl.col("polarity").fill_null(0.0)
    rows = rows.with_columns(
        base=pl.when(undone).then(NOT_DONE).when(waiting).then(0.0)
        .when(prompt).then(pl.max_horizontal(polarity, pl.lit(DONE_PROMPTLY))).otherwise(polarity),
        undone=undone, waiting=waiting, prompt=prompt,
    ).filter(~(done & (pl.col("base") == 0) & (polarity == 0)))  # a plain "gemaakt" says nothing
    base = pl.col("base")
    negated_word = negated & ~pl.col("undone")
    capitals = pl.col("capitals").fill_null(False)
    question = ((pl.col("next_stop") == "?") & (pl.col("next_stop_doc") == pl.col("doc"))).fill_null(False)
    asked = question & (base > 0)
    after = pl.col("last_contrast").is_not_null()
    before = pl.col("contrasts_after") > 0
    empathy = pl.col("empathic") & (base < 0)
    value = (
        base * pl.when(base < 0).then(NEGATIVE_WEIGHT).otherwise(1.0)
        * pl.when(modified).then(pl.col("mod_factor")).otherwise(1.0)
        * pl.when(capitals).then(CAPITALS).otherwise(1.0)
        * pl.when(negated_word).then(NEGATION).otherwise(1.0)
        * pl.when(after).then(AFTER_CONTRAST).otherwise(1.0)
        * pl.lit(BEFORE_CONTRAST).pow(pl.col("contrasts_after"))
        * pl.when(asked).then(QUESTION).otherwise(1.0)
        * pl.when(empathy).then(0.0).otherwise(1.0)
    )
    term = pl.when(pl.col("prompt")).then(pl.format("{} … {}", "prompt_word", "term")).otherwise(pl.col("term"))
    term = pl.when(modified).then(pl.format("{} {}", "mod_word", term)).otherwise(term)
    term = pl.when(negated).then(pl.format("{} … {}", "neg_word", term)).otherwise(term)
    rules = pl.concat_str([
        pl.when(modified).then(pl.when(pl.col("mod_factor") > 1).then(pl.lit("versterkt")).otherwise(pl.lit("afgezwakt"))),
        pl.when(capitals).then(pl.lit("hoofdletters")),
        pl.when(negated_word).then(pl.lit("ontkend")),
        pl.when(pl.col("undone")).then(pl.lit("niet gedaan")),
        pl.when(pl.col("waiting")).then(pl.lit("nog te doen")),
        pl.when(pl.col("prompt")).then(pl.lit("snel gedaan")),
        pl.when(after).then(pl.format("na '{}'", "last_contrast")),
        pl.when(before).then(pl.format("vóór '{}'", "next_contrast")),
        pl.when(asked).then(pl.lit("in een vraag")),
        pl.when(empathy).then(pl.lit("medeleven")),
    ], separator=", ", ignore_nulls=True)
    return rows.with_columns(value=value).select(
        "doc", "value",
        evidence=pl.format("{} {}", term, _number(pl.col("value")))
        + pl.when(rules != "").then(pl.format(" ({})", rules)).otherwise(pl.lit("")),
    )
