"""Series and breakdowns (per platform, theme and woonkern) from one daily rollup of the period's mentions.

The mentions of a period are counted once per local day, platform, set of themes and set of woonkernen;
days, weeks, months and breakdowns add up those counts, and a mention counts for each of its themes and
woonkernen. Response figures come from the period's cases, whose first message carries the same sets
(as 64-bit set ids, `theme_set` and `place_set`, as the rollup does)."""

from __future__ import annotations

import polars as pl

from .reputation import count_exprs, ratio_exprs

# Per grouping: the mention column holding it and the set id the cases carry.
GROUPS = {"platform": ("platform", None), "theme": ("themes", "theme_set"), "woonkern": ("woonkernen", "place_set")}
COUNTS = ("mentions", "positive", "neutral", "negative")


def set_id(column: str) -> pl.Expr:
    """A 64-bit id for a set of themes or woonkernen (the same list gives the same id)."""
    return pl.col(column).hash(5)


def mention_rollup(in_period: pl.DataFrame, marked: pl.DataFrame) -> pl.DataFrame:
    """Per local day, platform, theme set and woonkern set: mentions and residents' positive, neutral and
    negative posts, with the set ids and the sets themselves (looked up in `marked`)."""
    counted = in_period.group_by(pl.col("local_day").alias("day"), "platform", "theme_set", "place_set").agg(
        mentions=pl.len(), **count_exprs())
    for column, set_column in (("themes", "theme_set"), ("woonkernen", "place_set")):
        sets = marked.group_by(set_column).agg(pl.col(column).first())
        counted = counted.join(sets, on=set_column, how="left")
    return counted


def _members(rollup: pl.DataFrame, column: str, set_column: str, by: str) -> pl.DataFrame:
    """Set id → member, one row per member (sets without members drop out)."""
    return (rollup.select(set_column, pl.col(column).alias(by)).unique(set_column)
            .explode(by, empty_as_null=True).drop_nulls(by))


def _grouped(rollup: pl.DataFrame, period_cases: pl.DataFrame, by: str | None,
             case_columns: tuple[str, ...]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rollup and the cases with a column `by` (a row per theme or woonkern for those)."""
    cases = period_cases.select(*case_columns, "platform", *(s for _, s in GROUPS.values() if s))
    if by is None:
        return rollup, cases
    column, set_column = GROUPS[by]
    if set_column is None:
        return rollup.rename({column: by}), cases.rename({column: by})
    members = _members(rollup, column, set_column, by)
    mentions = rollup.explode(column, empty_as_null=True).drop_nulls(column).rename({column: by})
    cases = cases.join(members, on=set_column, how="inner")
    return mentions, cases


def series(rollup: pl.DataFrame, period_cases: pl.DataFrame, by: str | None = None) -> dict[str, pl.DataFrame]:
    """Per day, week (starting Monday) and month, overall or per platform, theme or woonkern (`by`):
    mentions, negative share, Net Sentiment, reputation index, cases, response rate and median business
    minutes. Buckets without data are left out."""
    keys = [by] if by else []
    mentions, cases = _grouped(rollup, period_cases, by, ("local_day", "answered", "business_minutes"))
    cases = cases.rename({"local_day": "day"})
    result = {}
    for name, every in (("daily", "1d"), ("weekly", "1w"), ("monthly", "1mo")):
        bucket = pl.col("day").dt.truncate(every).alias("start")
        counted = mentions.group_by(bucket, *keys).agg(pl.col(*COUNTS).sum())
        responses = cases.group_by(bucket, *keys).agg(
            cases=pl.len(), answered=pl.col("answered").sum(), median_business_minutes=pl.col("business_minutes").median())
        joined = counted.join(responses, on=["start", *keys], how="full", coalesce=True).sort("start", *keys)
        result[name] = joined.with_columns(
            pl.col(*COUNTS, "cases", "answered").fill_null(0),
        ).with_columns(
            **ratio_exprs(), response_rate=pl.when(pl.col("cases") > 0).then(pl.col("answered") / pl.col("cases"))
        ).drop("positive", "neutral", "negative")
    return result


def breakdown(rollup: pl.DataFrame, period_cases: pl.DataFrame, by: str) -> pl.DataFrame:
    """Per platform, theme or woonkern: mentions, sentiment ratios, cases, response rate, median business
    minutes and within-norm share, most mentioned first."""
    mentions, cases = _grouped(rollup, period_cases, by, ("answered", "business_minutes", "within_norm"))
    counted = mentions.group_by(by).agg(pl.col(*COUNTS).sum()).with_columns(**ratio_exprs()).drop(
        "positive", "neutral", "negative")
    responses = cases.group_by(by).agg(
        cases=pl.len(), answered=pl.col("answered").sum(), median_business_minutes=pl.col("business_minutes").median(),
        within_norm=pl.col("within_norm").sum())
    joined = counted.join(responses, on=by, how="full", coalesce=True)
    return joined.with_columns(
        pl.col("mentions", "cases", "answered", "within_norm").fill_null(0),
    ).with_columns(
        response_rate=pl.when(pl.col("cases") > 0).then(pl.col("answered") / pl.col("cases")),
        within_norm_share=pl.when(pl.col("cases") > 0).then(pl.col("within_norm") / pl.col("cases")),
    ).drop("within_norm").sort(["mentions", by], descending=[True, False])
