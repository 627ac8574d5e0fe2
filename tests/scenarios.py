"""Per platform: the recorded responses a FakeApi serves, and what a harvest of them must store.

Each scenario serves a first run (with at least two pages of one listing), then something new for a second
run; `paged` names the second page's request, where the fault tests inject their trouble."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.fakeapi import FakeApi, recorded


@dataclass
class Scenario:
    kind: str
    settings: dict[str, Any]
    serve: Callable[[FakeApi], None]
    serve_more: Callable[[FakeApi], None]
    ids: set[str]  # ids stored by the first run
    new_ids: set[str]  # ids the second run adds
    watermarks: dict[str, str]  # after the first run
    paged: tuple[str, dict[str, str]]  # the request of a second page: (path, query parameters)
    broken: Callable[[Any], Any]  # the second page with its items changed in shape
    broken_ids: set[str]  # ids on the second page that no longer normalise
    env: dict[str, str] = field(default_factory=dict)  # secrets
    now: datetime = datetime(2026, 11, 21, 12, tzinfo=UTC)
    platform: str = ""

    def __post_init__(self) -> None:
        self.platform = self.platform or self.kind


# --- Mastodon ----------------------------------------------------------------------------------------------

M = "mastodon/"
TAG = "/api/v1/timelines/tag/lindeveen"


def _mastodon(api: FakeApi) -> None:
    link = '<{base}' + TAG + '?limit=40&max_id={id}>; rel="next", <{base}' + TAG + '?limit=40&min_id=x>; rel="prev"'
    api.add(TAG, recorded(M + "tag-page1.json"), headers={"Link": link.replace("{id}", "113200000000000104")})
    api.add(TAG, recorded(M + "tag-page2.json"), params={"max_id": "113200000000000104"},
            headers={"Link": link.replace("{id}", "113200000000000102"),
                     "X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299",
                     "X-RateLimit-Reset": "2026-11-21T12:05:00.000Z"})
    api.add(TAG, recorded(M + "tag-page3.json"), params={"max_id": "113200000000000102"},
            headers={"Link": link.replace("{id}", "113200000000000101")})
    api.add(TAG, [], params={"max_id": "113200000000000101"})
    api.add("/api/v1/accounts/lookup", recorded(M + "lookup.json"), params={"acct": "gemeentelindeveen"})
    api.add("/api/v1/accounts/2001/statuses", recorded(M + "account-statuses.json"))
    api.add("/api/v1/statuses/113200000000000110/context", recorded(M + "context-110.json"))
    api.add("/api/v1/statuses/113200000000000098/context", recorded(M + "context-098.json"))


def _mastodon_more(api: FakeApi) -> None:
    api.add(TAG, recorded(M + "tag-newer.json"), params={"since_id": "113200000000000105"})


def _drop_content(page: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in status.items() if k != "content"} | {"text": "renamed"} for status in page]


MASTODON = Scenario(
    kind="mastodon",
    settings={"hashtags": ["#lindeveen"], "accounts": ["@gemeentelindeveen"]},
    serve=_mastodon, serve_more=_mastodon_more,
    ids={f"1132000000000001{n:02d}" for n in (5, 4, 3, 2, 1, 10, 11)} | {"113200000000000098", "113200000000000099"},
    new_ids={"113200000000000107"},
    watermarks={"tag:lindeveen": "113200000000000105", "account:gemeentelindeveen": "113200000000000110"},
    paged=(TAG, {"max_id": "113200000000000104"}),
    broken=_drop_content, broken_ids={"113200000000000103", "113200000000000102"},
)

SCENARIOS = [MASTODON]
