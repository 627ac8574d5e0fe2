"""The HTTP client every adapter shares: credentials go only to their own host, and a failure names the host and
the cause (DNS, refused, timeout, HTTP status) in one line, after one layer of retries."""

from __future__ import annotations

import socket

import pytest

from luisterpost.config import Config
from luisterpost.harvest import harvest_source
from luisterpost.sources import build_source
from tests.fakeapi import FakeApi, Reply, recorded
from tests.scenarios import MASTODON, TAG

TOKEN = "mastodon-token-value-0042"


def mastodon(api_url: str, **overrides) -> Config:
    return Config.model_validate({"municipality": {"name": "Lindeveen"}, "sources": [
        {"kind": "mastodon", "name": "src", "base_url": api_url, "hashtags": ["#lindeveen"], "retries": 2,
         "backoff_seconds": 0.01, "timeout_seconds": 1, **overrides}]})


def harvest(db, config: Config):
    return harvest_source(db, build_source(config, config.sources[0], now=MASTODON.now))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def other():
    """A second host, where no request of ours should ever arrive."""
    with FakeApi() as server:
        server.add(TAG, recorded("mastodon/tag-page2.json"))
        yield server


def test_a_next_page_link_to_another_host_is_refused_and_gets_no_token(db, api, other, monkeypatch):
    monkeypatch.setenv("MASTODON_TOKEN", TOKEN)
    api.add(TAG, recorded("mastodon/tag-page1.json"),
            headers={"Link": f'<{other.url}{TAG}?max_id=113200000000000104>; rel="next"'})
    outcome = harvest(db, mastodon(api.url))
    assert other.requests == []
    assert outcome.status == "failed"
    assert "#lindeveen page 1: the next-page link points at http://127.0.0.1" in outcome.error
    assert "refused" in outcome.error and TOKEN not in outcome.error
    # The page itself was read and kept; the query resumes there next run.
    assert db.execute("SELECT count(*) FROM mentions").fetchall() == [(2,)]


def test_a_redirect_to_another_host_never_carries_the_token(db, api, other, monkeypatch):
    monkeypatch.setenv("MASTODON_TOKEN", TOKEN)
    api.add(TAG, None, status=302, headers={"Location": f"{other.url}{TAG}"})
    outcome = harvest(db, mastodon(api.url))
    assert other.requests == []
    assert "refused to send credentials to http://127.0.0.1" in outcome.error


def test_without_credentials_a_redirect_is_followed(db, api, other, monkeypatch):
    monkeypatch.delenv("MASTODON_TOKEN", raising=False)
    api.add(TAG, None, status=302, headers={"Location": f"{other.url}{TAG}"})
    other.add(TAG, recorded("mastodon/tag-page3.json"))
    outcome = harvest(db, mastodon(api.url))
    assert outcome.status == "ok", outcome.error
    assert len(other.requests) >= 1 and "Authorization" not in other.requests[0].headers


def test_a_refused_connection_names_the_host_and_is_not_retried(db):
    port = closed_port()
    outcome = harvest(db, mastodon(f"http://127.0.0.1:{port}", retries=4, backoff_seconds=5))
    assert outcome.status == "failed"
    assert outcome.error == ("#lindeveen page 1: GET 127.0.0.1/api/v1/timelines/tag/lindeveen: connection refused "
                             "(nothing listens there: check base_url, or the service is down)")


def test_an_unknown_host_says_dns(db):
    outcome = harvest(db, mastodon("http://gemeente-zonder-server.invalid", retries=4, backoff_seconds=5))
    assert outcome.status == "failed"
    assert ("GET gemeente-zonder-server.invalid/api/v1/timelines/tag/lindeveen: DNS lookup failed: the host name is "
            "not known (check base_url)") in outcome.error


def test_a_host_that_keeps_failing_says_how_often_it_was_tried(db, api):
    api.add(TAG, {"error": "down"}, status=503)
    outcome = harvest(db, mastodon(api.url))
    assert outcome.error == ("#lindeveen page 1: HTTP 503 after 3 tries (GET 127.0.0.1/api/v1/timelines/tag/lindeveen)")
    assert len(api.hits(TAG)) == 3  # the client's retries only: no second layer multiplies them


def test_a_timeout_names_the_host(db, api):
    api.add(TAG, [])
    api.inject(TAG, *[Reply(delay=1.5)] * 3)
    outcome = harvest(db, mastodon(api.url, timeout_seconds=0.3))
    assert "no answer within 0.3 s (timeout) after 3 tries (GET 127.0.0.1/api/v1/timelines/tag/lindeveen)" in outcome.error
