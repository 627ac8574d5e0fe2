"""Incremental enrichment: score only new or changed mentions and store the results."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ..sql import query
from ..store import transaction
from ..store.runs import utcnow
from .sentiment import score


def enrich_pending(con: duckdb.DuckDBPyConnection) -> int:
    """Enrich every mention that is new or whose text changed; return how many were enriched."""
    pending = con.execute(query("enrich/pending_enrichment")).to_arrow_table()
    if pending.num_rows == 0:
        return 0
    results = [score(text) for text in pending.column("text").to_pylist()]
    table = pa.table({
        "platform": pending.column("platform"),
        "id": pending.column("id"),
        "text_hash": pending.column("text_hash"),
        "sentiment_label": [r.label for r in results],
        "sentiment_score": [r.score for r in results],
        "sentiment_evidence": [", ".join(r.evidence) or None for r in results],
    })
    with transaction(con):
        con.register("enriched", table)
        con.execute("DELETE FROM enrichments e USING enriched n WHERE e.platform = n.platform AND e.id = n.id")
        con.execute("INSERT INTO enrichments SELECT *, ? AS enriched_at FROM enriched", [utcnow()])
        con.unregister("enriched")
    return pending.num_rows
