"""Incremental enrichment: score only new or changed mentions and store the results."""

from __future__ import annotations

import duckdb
import polars as pl
import pyarrow as pa

from ..config import Config
from ..sql import query
from ..store import transaction
from ..store.runs import utcnow
from .sentiment import score_frame
from .terms import TermMatcher, build_matcher


def enrich_pending(con: duckdb.DuckDBPyConnection, matcher: TermMatcher) -> int:
    """Enrich every mention that is new, whose text changed, or whose keyword lists changed; return how many."""
    pending = con.execute(query("enrich/pending_enrichment"), {"fingerprint": matcher.fingerprint}).to_arrow_table()
    if pending.num_rows == 0:
        return 0
    texts = pending.column("text").to_pylist()
    sentiment = score_frame(pending.column("text").to_pylist())
    terms = [matcher.match(text) for text in texts]
    table = pa.table({
        "platform": pending.column("platform"),
        "id": pending.column("id"),
        "text_hash": pending.column("text_hash"),
        "sentiment_label": sentiment["sentiment_label"].to_arrow(),
        "sentiment_score": sentiment["sentiment_score"].to_arrow(),
        "sentiment_evidence": sentiment.select(pl.col("sentiment_evidence").list.join(", ").replace("", None))
        .to_series().to_arrow(),
        "themes": pa.array([t[0] for t in terms], pa.list_(pa.string())),
        "woonkernen": pa.array([t[1] for t in terms], pa.list_(pa.string())),
        "terms_fingerprint": [matcher.fingerprint] * len(texts),
    })
    with transaction(con):
        con.register("enriched", table)
        con.execute("DELETE FROM enrichments e USING enriched n WHERE e.platform = n.platform AND e.id = n.id")
        con.execute("INSERT INTO enrichments SELECT *, ? AS enriched_at FROM enriched", [utcnow()])
        con.unregister("enriched")
    return pending.num_rows


def matcher_for(config: Config) -> TermMatcher:
    """The term matcher for a municipality's config."""
    return build_matcher(config.terms.portfolios, config.terms.woonkernen)
