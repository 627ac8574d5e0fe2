"""The contract between metrics and reports (luisterpost/metrics/result.py): every result `compute` gives on a
real database has the declared shape, a renamed or missing key or column fails the check, and the report
reads nothing the contract does not declare."""

from __future__ import annotations

import copy
import io
import json

import pytest
from rich.console import Console

from luisterpost.config import load_config
from luisterpost.metrics.compute import Filters, compute, with_peers
from luisterpost.metrics.output import print_tables, to_json
from luisterpost.metrics.period import Period
from luisterpost.metrics.result import check, narrowed
from luisterpost.report import data as report_data
from luisterpost.report.data import gather
from luisterpost.report.render import render_html, report_values
from luisterpost.store import open_db

from .test_metrics import AMS, OCTOBER, ROWS, load
from .test_report import CLOCK, demo, month  # noqa: F401  (demo: the two-month demo database, a fixture)


@pytest.fixture
def lindeveen(write_config, tmp_path):
    """A config with one own Mastodon account, a peer and a peer that cannot be read, and its database."""
    peer_dir = tmp_path / "peer"
    peer_dir.mkdir()
    (peer_dir / "peer.toml").write_text('[municipality]\nname = "Zwolle"\ncbs_code = "GM0193"\n', encoding="utf-8")
    config = load_config(write_config('peers = ["peer/peer.toml", "missing.toml"]\n'
                                      '[municipality]\nname = "Lindeveen"\npopulation = 50000\n'
                                      '[accounts]\nmastodon = ["gemeentex"]\n', municipality=False))
    peer = load_config(peer_dir / "peer.toml")
    con = open_db(peer.database_path)
    load(con, tmp_path, ROWS[:2])
    con.close()
    con = open_db(config.database_path)
    yield config, con
    con.close()


def test_a_month_with_replies_comparisons_and_peers_has_the_declared_shape(lindeveen, tmp_path):
    config, con = lindeveen
    load(con, tmp_path, ROWS)
    result = compute(con, config, OCTOBER)
    assert check(result) is result  # checked as it is, not copied
    assert result["response"]["cases"] == 1 and result["response"]["unanswered_share"] == 0.0
    assert result["change"]["previous_period"]["mentions"] == 1
    me, zwolle, missing = result["peers"]
    assert me["error"] is None and zwolle["municipality"] == "Zwolle" and missing["error"].endswith("not found")


def test_an_empty_period_has_the_declared_shape(lindeveen, tmp_path):
    config, con = lindeveen
    load(con, tmp_path, ROWS)
    result = check(compute(con, config, Period.month(2027, 3, AMS)))
    assert result["mentions"] == 0 and result["net_sentiment"] is None and result["spikes"] == []
    assert result["response"]["cases"] == 0 and result["response"]["rate"] is None
    assert result["by_theme"].is_empty() and result["top_posts_by_reach"].is_empty()


def test_webcare_without_thread_information_is_null_and_has_the_declared_shape(lindeveen, tmp_path):
    config, con = lindeveen
    load(con, tmp_path, [r for r in ROWS if "in_reply_to_id" not in r["mention"]])
    result = check(compute(con, config, OCTOBER))
    response = result["response"]
    assert response["reason"] is not None and response["cases"] is None and response["unanswered_share"] is None
    assert response["first_response_business_minutes"]["median"] is None
    assert result["broadcasting"]["reason"] is not None and result["broadcasting"]["broadcast_share"] is None


@pytest.mark.parametrize("filters", [Filters(platform="mastodon"), Filters(theme="afval"),
                                     Filters(woonkern="Heikamp", language="nl")])
def test_filtered_results_have_the_declared_shape(lindeveen, tmp_path, filters):
    config, con = lindeveen
    load(con, tmp_path, ROWS)
    result = check(compute(con, config, OCTOBER, filters))
    assert result["period"]["filters"] == filters.as_dict()


def test_the_demo_month_with_its_spikes_has_the_declared_shape(demo):  # noqa: F811
    config, con = demo
    result = check(compute(con, config, month(config)))
    assert result["spikes"] and result["spikes"][0]["top_posts"].height


@pytest.fixture
def good(lindeveen, tmp_path):
    config, con = lindeveen
    load(con, tmp_path, ROWS)
    return compute(con, config, OCTOBER)


def renamed(result, path, new):
    *parents, last = path
    changed = copy.copy(result)  # the frames are shared, the dicts on the path copied
    node = changed
    for key in parents:
        node[key] = copy.copy(node[key])
        node = node[key]
    node[new] = node.pop(last)
    return changed


@pytest.mark.parametrize(("path", "new", "expected"), [
    (("net_sentiment",), "net_sentment", ["net_sentiment: Field required", "net_sentment: Extra inputs are not permitted"]),
    (("response", "needs_reply", "rate"), "share", ["response.needs_reply.rate: Field required"]),
    (("change", "year_earlier"), "last_year", ["change.year_earlier: Field required"]),
    (("reach", "engagement"), "interactions", ["reach.interactions: Extra inputs are not permitted"]),
])
def test_a_renamed_key_fails_the_check_naming_where(good, path, new, expected):
    with pytest.raises(ValueError) as error:
        check(renamed(good, path, new))
    for text in expected:
        assert text in str(error.value)


def test_a_missing_or_renamed_column_fails_the_check_naming_the_frame_and_column(good):
    broken = {**good, "by_theme": good["by_theme"].drop("net_sentiment"),
              "series_by": {**good["series_by"], "woonkern": {**good["series_by"]["woonkern"],
                            "weekly": good["series_by"]["woonkern"]["weekly"].rename({"start": "week"})}}}
    with pytest.raises(ValueError) as error:
        check(broken)
    message = str(error.value)
    assert "by_theme: Value error, missing column(s) net_sentiment" in message
    assert "series_by.woonkern.weekly: Value error, missing column(s) start" in message


def test_the_check_names_what_is_wrong_never_the_posts(good):
    texts = good["top_posts_by_engagement"]["text"].to_list()
    assert "@gemeentex gat" in texts
    with pytest.raises(ValueError) as error:
        check({**good, "top_posts_by_engagement": good["top_posts_by_engagement"].drop("url")})
    assert str(error.value).endswith("top_posts_by_engagement: Value error, missing column(s) url (the frame has "
                                     "platform, id, created_at, author, is_own, author_followers, text, reach, "
                                     "engagement, sentiment_label)")
    assert not any(text in str(error.value) for text in texts)


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("top_authors", [], "top_authors: Value error, expected a polars DataFrame, got list"),
    ("mentions", 6.0, "mentions: Input should be a valid integer"),
    ("spikes", [{"start": "2026-10-08"}], "spikes.0.start: Input should be a valid datetime"),
])
def test_a_value_of_the_wrong_type_fails_the_check(good, key, value, expected):
    with pytest.raises(ValueError, match="does not match luisterpost/metrics/result.py") as error:
        check({**good, key: value})
    assert expected in str(error.value)


def test_narrowing_keeps_only_the_declared_columns(good):
    extra = {**good, "by_platform": good["by_platform"].with_columns(undeclared=0)}
    assert "undeclared" not in narrowed(extra)["by_platform"].columns
    assert narrowed(extra)["by_platform"].equals(good["by_platform"])


def test_the_report_reads_only_what_the_contract_declares(demo, monkeypatch):  # noqa: F811
    """The demo report rendered from a result cut to the contract (its declared keys and columns) is the same
    page: report/data.py, report/context.py and the templates read nothing undeclared (else a KeyError or a
    missing column here)."""
    config, con = demo

    def html():
        data = gather(con, config, month(config))
        values, figs = report_values(data, config, "monthly", "nl", CLOCK)
        return render_html(values, figs, "monthly", plotly_js="")

    whole = html()
    monkeypatch.setattr(report_data, "with_peers", lambda *args: narrowed(with_peers(*args)))
    assert html() == whole
    assert "Pieken en crises" in whole and "Webcare" in whole


def test_the_metrics_command_reads_only_what_the_contract_declares(demo):  # noqa: F811
    """`luisterpost metrics` (JSON and tables) gives the same output from a result cut to the contract."""
    config, con = demo
    result = compute(con, config, month(config))

    def tables(shown):
        out = io.StringIO()
        print_tables(shown, Console(file=out, width=200))
        return out.getvalue()

    assert json.loads(to_json(narrowed(result))) == json.loads(to_json(result))  # the same, in the contract's order
    assert tables(narrowed(result)) == tables(result)
    assert "spikes" in tables(result)
