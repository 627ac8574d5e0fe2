"""Incremental enrichment: derive sentiment, themes, woonkernen, language and the needs-a-reply flags for
new or changed mentions, as columns over a whole batch, and store them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import duckdb
import polars as pl

from ..config import Config
from ..paths import data_file
from ..sql import query
from ..store import transaction
from ..store.runs import utcnow
from .language import detect
from .replies import reply_flags
from .sentiment import score_frame
from .terms import TermMatcher, build_matcher

BATCH = 50_000  # mentions enriched and written at a time: bounded memory, steady progress


@cache
def code_fingerprint() -> str:
    """Changes when the enrichment code or its vocabulary changes, so stored results are redone then."""
    digest = hashlib.sha256()
    for file in sorted(Path(__file__).parent.glob("*.py")) + [data_file("vocabulary_nl.tsv"), data_file("lexicon_nl.tsv")]:
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


class Scorer(Protocol):
    """Scores sentiment. `source` is stored with each result; `fingerprint` changes when its results would."""

    source: str
    fingerprint: str

    def score_frame(self, texts: pl.Series) -> pl.DataFrame:
        """One row per text: sentiment_label, sentiment_score, sentiment_evidence (a list)."""
        ...


@dataclass(frozen=True)
class LexiconScorer:
    """The default: the vocabulary and rules of `sentiment.py` (covered by the code fingerprint)."""

    source: str = "regels"
    fingerprint: str = "regels"

    def score_frame(self, texts: pl.Series) -> pl.DataFrame:
        return score_frame(texts)


LEXICON = LexiconScorer()


def scorer_for(config: Config) -> Scorer:
    """The sentiment scorer the config asks for; a model is loaded here (UserError when it cannot be)."""
    if config.sentiment.backend == "model":
        from .model import load_model  # imports PyTorch: only when a model is configured

        return load_model(config.sentiment, config.base_dir)
    return LEXICON


def fingerprint(matcher: TermMatcher, scorer: Scorer = LEXICON) -> str:
    """What stored enrichments must carry to count as current: keyword lists + code and vocabulary + scorer."""
    return f"{matcher.fingerprint}-{code_fingerprint()}-{scorer.fingerprint}"


def enrich_frame(texts: pl.Series, tags: pl.Series | None, matcher: TermMatcher,
                 scorer: Scorer = LEXICON) -> pl.DataFrame:
    """One row per text, in order: sentiment_label, sentiment_score, sentiment_evidence (text), themes,
    woonkernen, language, is_question, is_complaint. `tags` are the platforms' language tags (or None)."""
    sentiment = scorer.score_frame(texts)
    return (
        sentiment.with_columns(pl.col("sentiment_evidence").list.join(", ").replace("", None))
        .hstack(matcher.match_frame(texts))
        .hstack([detect(texts, tags)])
        .hstack(reply_flags(texts, sentiment["sentiment_label"]))
    )


def enrich_pending(con: duckdb.DuckDBPyConnection, matcher: TermMatcher, scorer: Scorer = LEXICON) -> int:
    """Enrich every mention that is new, whose text changed, or whose enrichment is out of date; return how many."""
    current = fingerprint(matcher, scorer)
    pending = pl.from_arrow(con.execute(query("enrich/pending_enrichment"), {"fingerprint": current}).to_arrow_table())
    for start in range(0, pending.height, BATCH):
        batch = pending.slice(start, BATCH)
        enriched = batch.select("platform", "id", "created_at", "text_hash").hstack(
            enrich_frame(batch["text"], batch["lang"], matcher, scorer)
        ).with_columns(sentiment_source=pl.lit(scorer.source), fingerprint=pl.lit(current), enriched_at=pl.lit(utcnow()))
        with transaction(con):
            con.register("enriched", enriched.to_arrow())
            con.execute("DELETE FROM enrichments e USING enriched n WHERE e.platform = n.platform AND e.id = n.id")
            con.execute("INSERT INTO enrichments BY NAME SELECT * FROM enriched")
            con.unregister("enriched")
    return pending.height


def matcher_for(config: Config) -> TermMatcher:
    """The term matcher for a municipality's config: its portfolios (keywords, exclude terms), woonkernen, and
    the names, hashtags and handles that name the municipality itself (never a woonkern)."""
    terms = config.terms
    return build_matcher(
        {name: p.keywords for name, p in terms.portfolios.items()}, terms.woonkernen,
        exclude={name: p.exclude for name, p in terms.portfolios.items() if p.exclude},
        names=[config.municipality.name, *terms.names], hashtags=terms.hashtags,
        handles=[*terms.handles, *(h for handles in config.accounts.values() for h in handles)])
