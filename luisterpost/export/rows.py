"""One row per mention of a period that passes the filters: exactly the mentions the figures of `luisterpost
metrics` and the reports count, with what they were counted as (docs/export.md describes every column).

Nothing in a row identifies a resident: authors are pseudonymised with the reports' key (also when a config
shows handles in its reports), e-mail addresses, links, IBANs, phone numbers, addresses and greeted names in
texts are masked and handles in texts pseudonymised (docs/masking.md); the DID in a resident's Bluesky id
becomes their pseudonym; threads are named by a reference, not by a post of a resident."""

from __future__ import annotations


import duckdb
import polars as pl

from ..config import Config
from ..handles import DISPLAY_NAMES
from ..metrics.compute import Filters, Settings, cases_within, in_period_frame, load_window, prepare, settings_of
from ..metrics.period import Period
from ..metrics.privacy import DID, Pseudonymiser, pseudonymiser_of
from ..metrics.webcare import AUTHOR, thread_names
from ..refs import post_ref, thread_ref
from ..sql import query

# The columns in order, with their types (docs/export.md says what each holds).
COLUMNS = {
    "ref": pl.String, "platform": pl.String, "id": pl.String,
    "local_time": None,  # a time in the municipality's time zone
    "author": pl.String,
    "author_kind": pl.String, "text": pl.String, "sentiment": pl.String, "sentiment_score": pl.Float64,
    "sentiment_source": pl.String, "corrected": pl.Boolean, "themes": pl.List(pl.String),
    "woonkernen": pl.List(pl.String), "language": pl.String, "needs_reply": pl.Boolean, "likes": pl.Int64,
    "reposts": pl.Int64, "replies": pl.Int64, "quotes": pl.Int64, "views": pl.Int64, "thread": pl.String,
    "opens_case": pl.Boolean, "answered": pl.Boolean, "first_response_minutes": pl.Float64,
    "first_response_business_minutes": pl.Float64, "within_norm": pl.Boolean,
}
OWN, PUBLIC, RESIDENT = "eigen", "publiek", "inwoner"


def export_rows(con: duckdb.DuckDBPyConnection, config: Config, period: Period, filters: Filters = Filters()) -> pl.DataFrame:
    """The export's rows (COLUMNS) for `period` and `filters`, in time order, from the database: the same
    mentions and webcare cases `luisterpost metrics` counts (the same load window and preparation)."""
    settings = settings_of(config)
    marked, timed = prepare(load_window(con, period, settings.window_hours, spikes=False), settings)
    found = _with_details(con, mention_rows(marked, timed, period, filters, settings, pseudonymiser_of(config)))
    return found.with_columns(
        platform=pl.col("platform").replace_strict(DISPLAY_NAMES, default=pl.col("platform"), return_dtype=pl.String),
    ).select(list(COLUMNS)).cast({name: kind for name, kind in COLUMNS.items() if kind is not None})


def mention_rows(marked: pl.DataFrame, timed: pl.DataFrame, period: Period, filters: Filters, settings: Settings,
                 privacy: Pseudonymiser) -> pl.DataFrame:
    """The rows from prepared frames (metrics.compute.prepare), platform as stored, without what the database
    adds (sentiment score and source, corrected)."""
    in_period = in_period_frame(marked, period, filters)
    rows = in_period["row"]
    posts = marked.select("platform", "id", "created_at", "author_handle", "author_followers", "is_own", "text",
                          "sentiment_label", "themes", "woonkernen", "language", "needs_reply", "likes", "reposts",
                          "replies", "quotes", "views")[rows]
    posts = posts.with_columns(pl.col("platform").cast(pl.String), pl.col("sentiment_label").cast(pl.String),
                               thread=thread_names(marked, rows), row=rows).with_columns(AUTHOR)
    # A case's figures stand on the mention that opened it (its first_row): summed over the rows they give
    # the report's counts.
    period_cases = cases_within(marked, timed, period, filters).select(
        pl.col("first_row").alias("row"), "answered", pl.col("response_minutes").alias("first_response_minutes"),
        pl.col("business_minutes").alias("first_response_business_minutes"), "within_norm")
    posts = posts.join(period_cases, on="row", how="left", maintain_order="left")
    kind = (pl.when(pl.col("is_own")).then(pl.lit(OWN))
            .when(pl.col("author_followers").fill_null(0) >= privacy.public_followers).then(pl.lit(PUBLIC))
            .otherwise(pl.lit(RESIDENT)))
    # privacy.texts masks contact details and handles in the texts (the pseudonymiser is always on here).
    posts = posts.with_columns(author_kind=kind, opens_case=pl.col("answered").is_not_null(),
                               text=pl.col("text").fill_null(""))
    posts = privacy.texts(privacy.names(posts), settings.own_handles)
    return posts.with_columns(
        ref=pl.Series([post_ref(p, i) for p, i in zip(posts["platform"], posts["id"])], dtype=pl.String),
        thread=pl.Series([thread_ref(p, t) for p, t in zip(posts["platform"], posts["thread"])], dtype=pl.String),
        local_time=pl.col("created_at").dt.convert_time_zone(str(period.tz)),
        sentiment=pl.col("sentiment_label"),
        # A resident's Bluesky id names their DID: their pseudonym stands in its place (the ref is the real id's).
        id=pl.when(pl.col("author_kind") == RESIDENT).then(pl.col("id").str.replace_all(DID, pl.col("author")))
        .otherwise(pl.col("id")),
    )


def _with_details(con: duckdb.DuckDBPyConnection, found: pl.DataFrame) -> pl.DataFrame:
    """`found` with the sentiment score and source and whether an analyst corrected the mention."""
    keys = found.select("platform", "id")
    con.register("export_keys", keys.to_arrow())
    try:
        details = con.execute(query("export/mention_details")).pl()
    finally:
        con.unregister("export_keys")
    if details.is_empty():
        details = pl.DataFrame(schema={"platform": pl.String, "id": pl.String, "sentiment_score": pl.Float64,
                                       "sentiment_source": pl.String, "corrected": pl.Boolean})
    return found.join(details, on=["platform", "id"], how="left", maintain_order="left")
