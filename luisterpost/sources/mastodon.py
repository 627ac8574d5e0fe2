"""Mastodon (any instance): hashtag timelines, the own accounts' posts with the conversations around them, search.

API: https://docs.joinmastodon.org/methods/ (timelines/tag, accounts/:id/statuses, statuses/:id/context,
v2/search). Listings come newest first, 40 per page, with a Link header for the next (older) page."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ..config import MastodonSettings
from .apisource import ApiSource, parse_time
from .base import Batch, RawItem
from .http import SourceError, newest_first, unseen
from .text import html_to_text

PAGE_SIZE = 40


def status_key(item: RawItem) -> tuple[int, str]:
    """Mastodon ids grow over time; compared as numbers (longer is newer), as text when not numeric."""
    return (len(item.id), item.id)


def _status_time(item: RawItem) -> datetime:
    return parse_time(item.payload["created_at"])


def normalise_status(status: Mapping[str, Any]) -> dict[str, Any]:
    """One Mastodon status as a mention (Mentions JSONL v1)."""
    account = status["account"]
    text = html_to_text(status["content"])
    if status.get("spoiler_text"):
        text = f"{status['spoiler_text']}\n\n{text}"
    return {
        "platform": "mastodon",
        "id": status["id"],
        "created_at": status["created_at"],
        "author_handle": account["acct"],
        "author_id": account.get("id"),
        "author_name": account.get("display_name") or None,
        "author_followers": account.get("followers_count"),
        "text": text,
        "url": status.get("url") or status.get("uri"),
        "in_reply_to_id": status.get("in_reply_to_id"),
        "lang": status.get("language"),
        "likes": status.get("favourites_count"),
        "reposts": status.get("reblogs_count"),
        "replies": status.get("replies_count"),
        "quotes": status.get("quotes_count"),
    }


class MastodonSource(ApiSource):
    """Reads one Mastodon instance. Watermarks: the newest status id per hashtag, account and search."""

    platform = "mastodon"
    settings: MastodonSettings

    def fetch(self, watermarks: Mapping[str, str]) -> Iterator[Batch]:
        token = self.secret("Mastodon", required=False)
        client = self.open_client({"Authorization": f"Bearer {token}"} if token else None)
        seen: set[str] = set()
        for tag in self.settings.hashtags:
            tag = tag.lstrip("#")
            yield from self._listing(f"tag:{tag}", f"api/v1/timelines/tag/{quote(tag)}", f"#{tag}", watermarks, seen)
        for acct in self.settings.accounts:
            acct = acct.lstrip("@")
            what = f"account @{acct}"
            account, _ = client.get_json("api/v1/accounts/lookup", params={"acct": acct}, what=what)
            if "id" not in account:
                raise SourceError(f"{what}: the lookup answer has no id: the API's answer changed shape")
            own: list[RawItem] = []
            for batch in self._listing(f"account:{acct}", f"api/v1/accounts/{quote(str(account['id']))}/statuses",
                                       what, watermarks, seen, extra={"exclude_reblogs": "true"}, reread=True):
                own += batch.items
                yield batch
            yield from self._conversations(own, what, seen)
        for term in self.settings.search:
            if not token:
                yield Batch(f"search:{term}", [], None, [
                    f"search {term!r}: skipped: Mastodon search needs an access token: set the environment variable "
                    f"for secret '{self.settings.secret}' (see docs/sources.md)"])
                continue
            yield from self._listing(f"search:{term}", "api/v2/search", f"search {term!r}", watermarks, seen,
                                     extra={"q": term, "type": "statuses"}, key="statuses")

    def _listing(self, query: str, path: str, what: str, watermarks: Mapping[str, str], seen: set[str], *,
                 extra: dict[str, str] | None = None, key: str | None = None, reread: bool = False) -> Iterator[Batch]:
        watermark = watermarks.get(query)
        notes: list[str] = []

        def pages() -> Iterator[list[RawItem]]:
            params: dict[str, Any] | None = {"limit": PAGE_SIZE, **(extra or {})}
            if watermark and not reread:
                params["since_id"] = watermark  # the server stops at the watermark too
            url: str | None = path
            for number in range(1, self.settings.max_pages + 1):
                page_what = f"{what} page {number}"
                data, response = self.client.get_json(url, params=params, what=page_what,
                                                      expect=dict if key else list)
                statuses = data.get(key) if key else data
                if not isinstance(statuses, list):
                    raise SourceError(f"{page_what}: the answer has no list of {key}: the API's answer changed shape")
                items = self._items(statuses, page_what)
                if not items:
                    return
                yield items
                following = response.links.get("next", {}).get("url")
                if key:  # search pages with max_id, not Link headers
                    following = path
                    params = {**(params or {}), "max_id": min(items, key=status_key).id}
                else:
                    params = None  # the Link URL carries them
                if not following:
                    return
                url = following
            notes.append(f"{what}: stopped after max_pages = {self.settings.max_pages} pages; older posts are left")

        wm = (len(watermark), watermark) if watermark else None
        for batch in newest_first(query, pages(), key=status_key, watermark=wm, when=_status_time, since=self.since,
                                  reread_since=self.revisit_since if reread else None, to_text=lambda k: k[1]):
            batch.items = unseen(batch.items, seen)
            yield batch
        if notes:
            yield Batch(query, [], None, notes)

    def _items(self, statuses: list[Any], what: str) -> list[RawItem]:
        items = []
        for number, status in enumerate(statuses, start=1):
            if not isinstance(status, dict) or not status.get("id"):
                raise SourceError(f"{what}: item {number} has no id: the API's answer changed shape")
            items.append(RawItem("mastodon", str(status["id"]), status, f"mastodon status {status['id']}"))
        return items

    def _conversations(self, own: list[RawItem], what: str, seen: set[str]) -> Iterator[Batch]:
        """The threads around the own posts: residents' replies under them, and what they reply to."""
        covered: set[str] = set()
        for item in sorted(own, key=status_key):  # roots first: a root's context covers its replies' contexts
            if item.id in covered:
                continue
            data, _ = self.client.get_json(f"api/v1/statuses/{quote(item.id)}/context",
                                           what=f"{what}: conversation of status {item.id}")
            statuses = [*data.get("ancestors", []), *data.get("descendants", [])]
            items = self._items(statuses, f"{what}: conversation of status {item.id}")
            covered.update(i.id for i in items)
            yield Batch(f"context:{item.id}", unseen(items, seen), None)

    def normalise(self, item: RawItem) -> dict[str, Any]:
        return normalise_status(item.payload)
