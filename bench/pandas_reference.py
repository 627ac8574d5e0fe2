"""A straightforward pandas implementation of the headline metrics, written independently of the Polars
code from the definitions in docs/metrics.md, to check its numbers and to measure the speed difference."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from luisterpost.metrics.period import Period
from luisterpost.schedule import BusinessCalendar, open_intervals


def _threads(df: pd.DataFrame) -> pd.Series:
    """conversation_id, else climb in_reply_to until a post with one, a root, or a missing parent."""
    key = df["platform"] + "\x00" + df["id"]
    conv = pd.Series(df["conversation_id"].values, index=key.values)
    parent_of = pd.Series(df["in_reply_to_id"].values, index=key.values)
    platform = df["platform"].values
    thread = df["conversation_id"].where(df["conversation_id"].notna(), df["id"].where(df["in_reply_to_id"].isna()))
    cursor = df["in_reply_to_id"].where(thread.isna())
    for _ in range(64):
        todo = cursor.notna()
        if not todo.any():
            break
        ck = pd.Series(platform, index=df.index)[todo] + "\x00" + cursor[todo]
        known = ck.isin(conv.index)
        pconv = ck[known].map(conv)
        pnext = ck[known].map(parent_of)
        done_unknown = ck.index[~known.values]
        thread.loc[done_unknown] = cursor.loc[done_unknown]
        cursor.loc[done_unknown] = np.nan
        idx = ck.index[known.values]
        has_conv = pconv.notna().values
        thread.loc[idx[has_conv]] = pconv[has_conv].values
        is_root = (~has_conv) & pnext.isna().values
        thread.loc[idx[is_root]] = cursor.loc[idx[is_root]].values
        cursor.loc[idx[has_conv | is_root]] = np.nan
        go_on = idx[~(has_conv | is_root)]
        cursor.loc[go_on] = pnext[~(has_conv | is_root)].values
    return thread


def _office_clock(times: pd.Series, calendar: BusinessCalendar, first, last) -> pd.Series:
    intervals = pd.DataFrame(open_intervals(calendar, first, last), columns=["open_at", "close_at"])
    intervals["open_at"] = pd.to_datetime(intervals["open_at"], utc=True).astype("datetime64[us, UTC]")
    intervals["close_at"] = pd.to_datetime(intervals["close_at"], utc=True).astype("datetime64[us, UTC]")
    length = (intervals["close_at"] - intervals["open_at"]).dt.total_seconds() / 60
    intervals["before"] = length.cumsum().shift(1, fill_value=0.0)
    t = pd.DataFrame({"t": times.astype("datetime64[us, UTC]")}).reset_index()
    merged = pd.merge_asof(t.dropna().sort_values("t"), intervals, left_on="t", right_on="open_at")
    inside = ((merged["t"] - merged["open_at"]).dt.total_seconds() / 60).clip(lower=0)
    opened = (merged["close_at"] - merged["open_at"]).dt.total_seconds() / 60
    merged["clock"] = np.where(merged["open_at"].isna(), 0.0, merged["before"] + np.minimum(inside, opened))
    return merged.set_index("index")["clock"].reindex(t["index"]).set_axis(times.index)


def headline(df: pd.DataFrame, period: Period, calendar: BusinessCalendar, own: str,
             window_hours: float, norm_hours: float) -> dict[str, float]:
    df = df.copy()
    handle = df["author_handle"].str.strip().str.lstrip("@").str.lower()
    df["author"] = np.where(df["platform"] == "mastodon", handle.str.split("@").str[0], handle)
    df["is_own"] = df["author"] == own.lower()
    df["thread"] = _threads(df)
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    in_period = df[(df["created_at"] >= start) & (df["created_at"] < end)]
    residents = in_period[~in_period["is_own"]]
    counts = residents["sentiment_label"].value_counts()
    pos, neu, neg = (int(counts.get(k, 0)) for k in ("positief", "neutraal", "negatief"))
    engagement = in_period[["likes", "reposts", "replies", "quotes"]].fillna(0).sum(axis=1)

    # Webcare cases.
    df["thread_has_own"] = df.groupby(["platform", "thread"])["is_own"].transform("any")
    df["mentions_own"] = df["text"].str.contains(rf"(?i)@(?:{re.escape(own)})\b", regex=True)
    inbound = df[~df["is_own"] & (df["mentions_own"] | df["thread_has_own"])].sort_values(["created_at", "id"])
    cases = inbound.groupby(["platform", "thread", "author"], sort=False).agg(
        started_at=("created_at", "first")).reset_index().rename(columns={"author": "resident"})
    owns = df[df["is_own"]]
    parents = df[["platform", "id", "author"]].rename(columns={"id": "in_reply_to_id", "author": "resident"})
    by_reply = owns.merge(parents, on=["platform", "in_reply_to_id"])[["platform", "thread", "created_at", "resident"]]
    named = owns.assign(resident=owns["text"].str.findall(r"@([A-Za-z0-9_][A-Za-z0-9_.\-]*(?:@[A-Za-z0-9_.\-]+)?)"))
    named = named.explode("resident").dropna(subset=["resident"])
    named["resident"] = named["resident"].str.rstrip(".").str.lower()
    named["resident"] = np.where(named["platform"] == "mastodon", named["resident"].str.split("@").str[0],
                                 named["resident"])
    answers = pd.concat([by_reply, named[["platform", "thread", "created_at", "resident"]]]).drop_duplicates()
    pairs = cases.merge(answers.rename(columns={"created_at": "responded_at"}), on=["platform", "thread", "resident"])
    pairs = pairs[pairs["responded_at"] > pairs["started_at"]]
    first = pairs.groupby(["platform", "thread", "resident"])["responded_at"].min().reset_index()
    cases = cases.merge(first, on=["platform", "thread", "resident"], how="left")
    cases = cases[(cases["started_at"] >= start) & (cases["started_at"] < end)].copy()
    delta = cases["responded_at"] - cases["started_at"]
    cases["answered"] = (delta <= pd.Timedelta(hours=window_hours)).fillna(False)
    answered = cases[cases["answered"]].copy()
    answered["minutes"] = (answered["responded_at"] - answered["started_at"]).dt.total_seconds() / 60
    first_day = (cases["started_at"].min().tz_convert(calendar.tz).date() - pd.Timedelta(days=1))
    last_day = (cases["responded_at"].max().tz_convert(calendar.tz).date() + pd.Timedelta(days=1))
    answered["business"] = (_office_clock(answered["responded_at"], calendar, first_day, last_day)
                            - _office_clock(answered["started_at"], calendar, first_day, last_day))
    within = int((answered["business"] <= norm_hours * 60).sum())

    own_posts = in_period[in_period["is_own"]].merge(
        df[["platform", "id", "is_own"]].rename(columns={"id": "in_reply_to_id", "is_own": "parent_own"}),
        on=["platform", "in_reply_to_id"], how="left")
    replies = int((own_posts["in_reply_to_id"].notna() & ~own_posts["parent_own"].fillna(False).astype(bool)).sum())
    labelled = pos + neu + neg
    n = len(cases)
    return {
        "mentions": len(in_period), "unique_authors": len(in_period[["platform", "author"]].drop_duplicates()),
        "own_share": in_period["is_own"].mean(),
        "negative_share": neg / labelled if labelled else None,
        "net_sentiment": (pos - neg) / (pos + neg) if pos + neg else None,
        "reputation_index": 100 * (pos - neg) / labelled if labelled else None,
        "potential_reach": int(in_period["author_followers"].fillna(0).sum()), "engagement": int(engagement.sum()),
        "cases": n, "answered": len(answered), "rate": len(answered) / n if n else None,
        "median_minutes": answered["minutes"].median(), "p90_minutes": answered["minutes"].quantile(0.9),
        "mean_minutes": answered["minutes"].mean(),
        "median_business": answered["business"].median(), "p90_business": answered["business"].quantile(0.9),
        "mean_business": answered["business"].mean(),
        "within_norm_share": within / n if n else None,
        "reply_share": replies / len(own_posts) if len(own_posts) else None,
    }
