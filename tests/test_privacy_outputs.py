"""No output identifies a resident: a hostile corpus (tests/data/privacy/hostile.jsonl, invented posts that carry
handles in every platform's syntax, links to residents' posts and profiles, e-mail addresses, phone numbers,
IBANs, addresses and greeted names) goes through the real commands (`import` → `metrics --json` → `report`
HTML and PDF → `export` csv and jsonl), and not one of the identifying strings the corpus names may appear in
any of them, while own accounts' handles and links, a public account's and ordinary words stay. Residents are
only ever counted, never listed per person."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from luisterpost.refs import post_ref

from .test_cli import luisterpost

CORPUS = Path(__file__).parent / "data" / "privacy" / "hostile.jsonl"
CASES = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
RESIDENTS = [c for c in CASES if c["kind"] == "resident"]
CONFIG = """
[municipality]
name = "Lindeveen"

[storage]
database = "db.duckdb"

[accounts]
mastodon = ["gemeentelindeveen@social.overheid.nl"]
bluesky = ["gemeentelindeveen.bsky.social"]
reddit = ["gemeentelindeveen"]
facebook = ["gemeentelindeveen"]

[terms]
woonkernen = ["Heikamp"]

[terms.portfolios]
verkeer = ["drempel"]
afval = ["container"]
"""


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = luisterpost(*args, env=env)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, str]:
    """Every output of the corpus for October 2026, by name, as text."""
    folder = tmp_path_factory.mktemp("privacy")
    config = folder / "gemeente.toml"
    config.write_text(CONFIG, encoding="utf-8")
    env = {**os.environ, "LUISTERPOST_PSEUDONYM_KEY": "privacy-test-key, long enough to be accepted"}
    imported = run("--config", str(config), "import", str(CORPUS), env=env)
    metrics = run("--config", str(config), "metrics", "--from", "2026-10-01", "--to", "2026-10-31", "--json", env=env)
    report = run("--config", str(config), "report", "--month", "2026-10", "--format", "html,pdf", "--out",
                 str(folder / "out"), env=env)
    written = {Path(line.strip()).suffix: Path(line.strip()) for line in report.stdout.splitlines() if line.strip()}
    found = {"import log": imported.stdout + imported.stderr, "metrics --json": metrics.stdout,
             "report html": written[".html"].read_text(encoding="utf-8"),
             "report pdf": subprocess.run(["pdftotext", str(written[".pdf"]), "-"], capture_output=True, text=True,
                                          check=True).stdout}
    for fmt in ("csv", "jsonl"):
        path = folder / f"export.{fmt}"
        log = run("--config", str(config), "export", "--month", "2026-10", "--out", str(path), env=env)
        found[f"export {fmt}"] = path.read_bytes().decode("utf-8-sig")
        found[f"export {fmt} log"] = log.stdout + log.stderr
    return found


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_no_output_holds_a_string_that_identifies_a_resident(outputs, case):
    for name, text in outputs.items():
        shown = text.lower()
        leaked = [s for s in case["identifying"] if s.lower() in shown]
        assert not leaked, f"{name} shows {leaked} of {case['case']}"


@pytest.mark.parametrize("case", [c for c in CASES if c["stays"]], ids=[c["case"] for c in CASES if c["stays"]])
def test_own_and_public_accounts_and_ordinary_text_stay(outputs, case):
    exported = json.dumps([json.loads(line) for line in outputs["export jsonl"].splitlines()], ensure_ascii=False)
    shown = exported + outputs["metrics --json"]
    assert [s for s in case["stays"] if s not in shown] == []


def test_every_resident_post_is_shown_masked_and_pseudonymised(outputs):
    """The corpus really reaches the outputs: every resident's post is exported and listed as an unanswered
    case in the report, with the placeholders where the identifying parts were."""
    by_ref = {row["ref"]: row for row in map(json.loads, outputs["export jsonl"].splitlines())}
    rows = {c["case"]: by_ref[post_ref(c["platform"], c["id"])] for c in CASES}
    for case in RESIDENTS:
        row = rows[case["case"]]
        assert row["author_kind"] == "inwoner" and row["author"].startswith("inwoner-")
    # A Bluesky post's id names its author's DID: a resident's is exported with their pseudonym in its place.
    assert rows["h04"]["id"] == f"at://{rows['h04']['author']}/app.bsky.feed.post/3kq7zabc2"
    assert rows["own-m"]["id"] == "own-m"
    assert "u/inwoner-" in rows["h03"]["text"] and rows["h03"]["text"].count("[iban]") == 2
    assert rows["h06"]["text"].startswith("Hoi [naam], weet jij het? Bel [telefoon] of [telefoon] of [telefoon].")
    assert rows["own-m"]["text"].startswith("Dag [naam], bedankt voor je melding over de [adres]. Goedemorgen [naam],")
    metrics = json.loads(outputs["metrics --json"])
    # Every reply that is not the municipality's opens a case (the public account's too), and none is answered.
    assert len(metrics["unanswered_cases"]) == len([c for c in CASES if c["kind"] != "own"])
    assert {c["resident"][:8] for c in metrics["unanswered_cases"]} == {"inwoner-"}
    html = outputs["report html"]
    for placeholder in ("[e-mail]", "[link]", "[telefoon]", "[iban]", "[adres]", "[naam]", "@inwoner-"):
        assert placeholder in html, placeholder
    pdf = outputs["report pdf"]
    assert "[telefoon]" in pdf and "[iban]" in pdf and "[adres]" in pdf  # the PDF lists the cases too


def test_residents_are_counted_never_listed_or_ranked_per_person(outputs):
    """Author tables hold own and public accounts only; residents appear as a count (author_groups)."""
    metrics = json.loads(outputs["metrics --json"])
    assert {a["author"] for a in metrics["top_authors"]} == {"gemeentelindeveen", "gemeentelindeveen.bsky.social",
                                                             "omroeplindeveen"}
    groups = {g["group"]: g for g in metrics["author_groups"]}
    assert groups["residents"]["authors"] == len(RESIDENTS)
    # Links only to own and public accounts' posts.
    links = {p["url"] for key in ("top_posts_by_reach", "top_posts_by_engagement") for p in metrics[key] if p["url"]}
    assert links <= {c.get("url") for c in CASES if c["kind"] != "resident"}
    for key in ("top_posts_by_reach", "top_posts_by_engagement"):
        assert all(p["url"] is None for p in metrics[key] if p["author"].startswith("inwoner-"))


def test_no_command_filters_by_author():
    """No option narrows figures, reports or exports to one person: the one filter type the commands and the
    flows share holds none, and no command offers one."""
    import dataclasses

    from luisterpost.metrics.compute import Filters

    assert {f.name for f in dataclasses.fields(Filters)} == {"platform", "theme", "woonkern", "language"}
    for command in ("metrics", "report", "export"):
        help_text = luisterpost(command, "--help").stdout.lower()
        assert "--platform" in help_text  # the help was read
        assert not any(flag in help_text for flag in ("--author", "--handle", "--user", "--resident"))


def test_a_harvested_status_naming_residents_reaches_the_outputs_masked(db, api, tmp_path, monkeypatch):
    """The harvest path: a Mastodon status (recorded API) whose text, link and account name residents, harvested,
    enriched, then counted by the metrics and exported."""
    from luisterpost.config import Config
    from luisterpost.enrich.run import enrich_pending, matcher_for
    from luisterpost.export import export_rows
    from luisterpost.harvest import harvest_source
    from luisterpost.metrics.compute import compute
    from luisterpost.metrics.output import to_json
    from luisterpost.metrics.period import Period
    from luisterpost.sources import build_source
    from tests.fakeapi import recorded
    from tests.scenarios import MASTODON, TAG

    monkeypatch.setenv("LUISTERPOST_PSEUDONYM_KEY", "harvest-test-key, long enough to be accepted")
    status = recorded("mastodon/tag-page1.json")[0] | {
        "url": "https://social.example/@wobbe_hiemstra/113200000000000105", "replies_count": 0,
        "content": '<p><span class="h-card"><a href="https://social.example/@wobbe_hiemstra">@<span>wobbe_hiemstra</span>'
                   '</a></span> Dag Sietske, bel 06-38271946 over de drempel aan de Kerkstraat 4. Wanneer komt '
                   '<span class="h-card"><a href="https://social.example/@gemeentelindeveen">@<span>gemeentelindeveen'
                   '</span></a></span> langs?</p>'}
    status["account"] = status["account"] | {"acct": "wobbe_hiemstra@social.example", "username": "wobbe_hiemstra",
                                             "url": "https://social.example/@wobbe_hiemstra"}
    api.add(TAG, [status])
    config = Config.model_validate({
        "municipality": {"name": "Lindeveen"}, "base_dir": tmp_path, "accounts": {"mastodon": ["gemeentelindeveen"]},
        "terms": {"portfolios": {"verkeer": ["drempel"]}},
        "sources": [{"kind": "mastodon", "name": "src", "base_url": api.url, "hashtags": ["#lindeveen"], "retries": 0}]})
    outcome = harvest_source(db, build_source(config, config.sources[0], now=MASTODON.now))
    assert (outcome.status, outcome.new) == ("ok", 1), outcome.error
    enrich_pending(db, matcher_for(config))
    period = Period.month(2026, 11, config.municipality.tz)
    rows = export_rows(db, config, period)
    shown = to_json(compute(db, config, period)) + rows.write_json() + str(outcome)
    assert "wobbe" not in shown.lower() and "sietske" not in shown.lower() and "38271946" not in shown
    assert "kerkstraat 4" not in shown.lower()
    assert rows["text"].item().startswith("@inwoner-") and "Dag [naam], bel [telefoon]" in rows["text"].item()
    assert "@gemeentelindeveen langs?" in rows["text"].item()


def test_skipped_rows_are_named_by_line_and_field_never_by_their_text(tmp_path):
    """An import's problems name the file, line and faulty field: nothing of the post or its author."""
    config = tmp_path / "gemeente.toml"
    config.write_text(CONFIG, encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"platform": "mastodon", "id": "b1", "created_at": "gisteren", "author_handle": "wobbe_hiemstra",
                               "text": "Dag Sietske, bel 06-38271946", "url": "https://social.example/@wobbe_hiemstra/1",
                               "likes": "veel"}) + "\n", encoding="utf-8")
    result = luisterpost("--config", str(config), "import", str(bad),
                         env={**os.environ, "LUISTERPOST_PSEUDONYM_KEY": "privacy-test-key, long enough to be accepted"})
    assert result.returncode == 1 and 'bad.jsonl:1: created_at "gisteren" is not an ISO-8601 date' in result.stderr
    said = (result.stdout + result.stderr).lower()
    assert "wobbe" not in said and "sietske" not in said and "38271946" not in said
