"""Metrics as JSON (one object) or as readable tables for the terminal."""

from __future__ import annotations

import re

import orjson
import polars as pl
from rich.console import Console
from rich.table import Table

from .privacy import DID, HIDDEN_DID
from .result import MetricsResult


def plain(value: object) -> object:
    """The value with frames turned into lists of rows, ready for `to_json`."""
    if isinstance(value, pl.DataFrame):
        return value.to_dicts()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def to_json(result: MetricsResult) -> str:
    """The metrics as one JSON object: times as ISO-8601 text, NaN and infinities as null, and the DIDs in
    Bluesky ids (of posts, first messages and threads) left out, "at://did:…/app.bsky.feed.post/…": a DID names
    its account as a handle does, and the ids here are not told apart by author."""
    # orjson: the standard encoder with indentation runs in Python, seconds for a month's tens of
    # thousands of cases.
    text = orjson.dumps(plain(result), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()
    return re.sub(DID, HIDDEN_DID, text)


def _fmt(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_tables(result: MetricsResult, console: Console) -> None:
    """The headline figures, then each breakdown, as tables."""
    period = result["period"]
    title = f"{period['from']} .. {period['to']} ({period['timezone']})"
    if period["filters"]:
        title += "  " + ", ".join(f"{k}={v}" for k, v in period["filters"].items())
    response = result["response"]
    rows = [
        ("mentions", result["mentions"]), ("unique authors", result["unique_authors"]),
        ("own share", result["own_share"]), ("positive share", result["positive_share"]),
        ("neutral share", result["neutral_share"]), ("negative share", result["negative_share"]),
        ("net sentiment", result["net_sentiment"]), ("reputation index", result["reputation_index"]),
        ("cases", response["cases"]), ("answered", response["answered"]), ("response rate", response["rate"]),
        ("first response median (min)", response["first_response_minutes"]["median"]),
        ("first response p90 (min)", response["first_response_minutes"]["p90"]),
        ("first response median (office min)", response["first_response_business_minutes"]["median"]),
        ("first response p90 (office min)", response["first_response_business_minutes"]["p90"]),
        ("within norm share", response["within_norm_share"]),
        ("broadcast share", result["broadcasting"]["broadcast_share"]),
        ("reply share", result["broadcasting"]["reply_share"]),
        ("potential reach", result["reach"]["potential_reach"]), ("engagement", result["reach"]["engagement"]),
    ]
    previous, year = result["change"]["previous_period"], result["change"]["year_earlier"]
    compare = {"mentions": "mentions", "net sentiment": "net_sentiment", "reputation index": "reputation_index",
               "negative share": "negative_share", "response rate": "response_rate"}
    table = Table(title=title, title_justify="left")
    for column in ("metric", "value", "previous period", "a year earlier"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for name, value in rows:
        key = compare.get(name)
        table.add_row(name, _fmt(value), _fmt(previous[key]) if key else "", _fmt(year[key]) if key else "")
    console.print(table)
    print_not_measured(result, console)
    for key in ("by_platform", "by_theme", "by_woonkern"):
        frame: pl.DataFrame = result[key]
        if frame.is_empty():
            continue
        sub = Table(title=key.replace("_", " "), title_justify="left")
        for column in frame.columns:
            sub.add_column(column, justify="left" if frame[column].dtype == pl.String else "right")
        for row in frame.iter_rows():
            sub.add_row(*(_fmt(v) for v in row))
        console.print(sub)
    print_spikes(result.get("spikes", []), console)
    print_peers(result.get("peers", []), console)


def _factor(told: dict[str, object] | None) -> str:
    """'×7.9 (424 vs 54/day)': peak over baseline, with the counts; '' for a kind that did not spike."""
    if not told:
        return ""
    return f"×{told['factor']:.1f} ({told['peak_count']:,} vs {told['baseline']:,.0f}/{told['granularity']})"


def print_spikes(spikes: list[dict[str, object]], console: Console) -> None:
    """The spike events, most severe first: when, severity, the volume and negativity factors, residents'
    posts and the top terms."""
    if not spikes:
        console.print("spikes: none in this period")
        return
    table = Table(title="spikes", title_justify="left")
    for column in ("from", "until", "severity", "posts ×", "negative ×", "posts", "top terms"):
        table.add_column(column, justify="left" if column in ("from", "until", "top terms") else "right")
    for spike in spikes:
        table.add_row(f"{spike['start']:%Y-%m-%d %H:%M}", f"{spike['until']:%Y-%m-%d %H:%M}", str(spike["severity"]),
                      _factor(spike["volume"]), _factor(spike["negativity"]), _fmt(spike["posts"]),
                      ", ".join(spike["top_terms"]))
    console.print(table)


def print_not_measured(result: MetricsResult, console: Console) -> None:
    """The platforms whose webcare (response, zenden vs luisteren) could not be measured, with the reason."""
    skipped = {row["platform"]: row["reason"] for key in ("response", "broadcasting")
               for row in result[key].get("not_measured", [])}
    for platform, reason in sorted(skipped.items()):
        console.print(f"[yellow]webcare not measured on {platform}[/]: {reason}")


def print_peers(peers: list[dict[str, object]], console: Console) -> None:
    """The peer benchmark as a table (a peer that could not be read shows its error)."""
    if not peers:
        return
    table = Table(title="peers", title_justify="left")
    columns = ["municipality", "population", "mentions_per_10k", "net_sentiment", "negative_share",
               "response_rate", "median_business_minutes", "within_norm_share"]
    for column in columns:
        table.add_column(column, justify="left" if column == "municipality" else "right")
    for peer in peers:
        if peer.get("error"):
            table.add_row(str(peer["municipality"]), f"[red]{peer['error']}[/]", *[""] * (len(columns) - 2))
        else:
            table.add_row(*(_fmt(peer[c]) for c in columns))
    console.print(table)
