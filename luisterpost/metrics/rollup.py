"""Series and breakdowns (per platform, theme and woonkern) from one daily rollup of the period's mentions.

The mentions of a period are counted once per local day, platform, set of themes and set of woonkernen;
days, weeks, months and breakdowns add up those counts, and a mention counts for each of its themes and
woonkernen. Response figures come from the period's cases, whose first message carries the same sets
(as 64-bit set ids, `theme_set` and `place_set`, as the rollup does): counted the same way, with medians
over the answered cases only."""

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
    # One 64-bit key for the four columns: grouping on it is faster and leaner than on four keys (the
    # tens of thousands of groups make a collision about as likely as one among the set ids themselves).
    group = (pl.col("theme_set").xor(pl.col("place_set").hash(1)).xor(pl.col("local_day").hash(2))
             .xor(pl.col("platform").hash(3)))
    counted = in_period.group_by(group.alias("group")).agg(
        pl.col("local_day").first().alias("day"), pl.col("platform", "theme_set", "place_set", "row").first(),
        mentions=pl.len(), **count_exprs())
    # The sets themselves from one mention of each group.
    return counted.with_columns(themes=marked["themes"].gather(counted["row"]),
                                woonkernen=marked["woonkernen"].gather(counted["row"])).drop("group", "row")


def case_rollup(period_cases: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The period's cases counted per local day of arrival, platform, theme set and woonkern set (cases,
    answered, within_norm), and the answered ones with their business minutes (for medians)."""
    keys = (pl.col("local_day").alias("day"), "platform", "theme_set", "place_set")
    counted = period_cases.group_by(*keys).agg(
        cases=pl.len(), answered=pl.col("answered").sum(), within_norm=pl.col("within_norm").sum())
    answered = period_cases.filter("answered").select(*keys, "business_minutes")
    return counted, answered


def _members(rollup: pl.DataFrame, column: str, set_column: str, by: str) -> pl.DataFrame:
    """Set id → member, one row per member (sets without members drop out)."""
    return (rollup.select(set_column, pl.col(column).alias(by)).unique(set_column)
            .explode(by, empty_as_null=True).drop_nulls(by))


def _grouped(rollup: pl.DataFrame, cases: tuple[pl.DataFrame, pl.DataFrame],
             by: str | None) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The mention rollup and the case rollup (counts, answered cases) with a column `by` (a row per
    theme or woonkern for those)."""
    counted, answered = cases
    if by is None:
        return rollup, counted, answered
    column, set_column = GROUPS[by]
    if set_column is None:
        return rollup.rename({column: by}), counted.rename({column: by}), answered.rename({column: by})
    members = _members(rollup, column, set_column, by)
    mentions = rollup.explode(column, empty_as_null=True).drop_nulls(column).rename({column: by})
    return (mentions, counted.join(members, on=set_column, how="inner"),
            answered.join(members, on=set_column, how="inner"))


def _responses(counted: pl.DataFrame, answered: pl.DataFrame, keys: list, *extra: str) -> pl.DataFrame:
    """Cases, answered (and `extra` counts) and the median business minutes per group of `keys`."""
    names = [k if isinstance(k, str) else k.meta.output_name() for k in keys]
    sums = counted.group_by(*keys).agg(pl.col("cases", "answered", *extra).sum())
    medians = answered.group_by(*keys).agg(median_business_minutes=pl.col("business_minutes").median())
    return sums.join(medians, on=names, how="left")


def series(rollup: pl.DataFrame, cases: tuple[pl.DataFrame, pl.DataFrame], by: str | None = None) -> dict[str, pl.DataFrame]:
    """Per day, week (starting Monday) and month, overall or per platform, theme or woonkern (`by`):
    mentions, negative share, Net Sentiment, reputation index, cases, response rate and median business
    minutes. `cases` is the period's `case_rollup`. Buckets without data are left out."""
    keys = [by] if by else []
    mentions, counted, answered = _grouped(rollup, cases, by)
    result = {}
    for name, every in (("daily", "1d"), ("weekly", "1w"), ("monthly", "1mo")):
        bucket = pl.col("day").dt.truncate(every).alias("start")
        counts = mentions.group_by(bucket, *keys).agg(pl.col(*COUNTS).sum())
        responses = _responses(counted, answered, [bucket, *keys])
        joined = counts.join(responses, on=["start", *keys], how="full", coalesce=True).sort("start", *keys)
        result[name] = joined.with_columns(
            pl.col(*COUNTS, "cases", "answered").fill_null(0),
        ).with_columns(
            **ratio_exprs(), response_rate=pl.when(pl.col("cases") > 0).then(pl.col("answered") / pl.col("cases"))
        ).drop("positive", "neutral", "negative")
    return result


def breakdown(rollup: pl.DataFrame, cases: tuple[pl.DataFrame, pl.DataFrame], by: str) -> pl.DataFrame:
    """Per platform, theme or woonkern: mentions, sentiment ratios, cases, response rate, median business
    minutes and within-norm share, most mentioned first. `cases` is the period's `case_rollup`."""
    mentions, counted, answered = _grouped(rollup, cases, by)
    counts = mentions.group_by(by).agg(pl.col(*COUNTS).sum()).with_columns(**ratio_exprs()).drop(
        "positive", "neutral", "negative")
    responses = _responses(counted, answered, [by], "within_norm")
    joined = counts.join(responses, on=by, how="full", coalesce=True)
    return joined.with_columns(
        pl.col("mentions", "cases", "answered", "within_norm").fill_null(0),
    ).with_columns(
        response_rate=pl.when(pl.col("cases") > 0).then(pl.col("answered") / pl.col("cases")),
        within_norm_share=pl.when(pl.col("cases") > 0).then(pl.col("within_norm") / pl.col("cases")),
    ).drop("within_norm").sort(["mentions", by], descending=[True, False])
