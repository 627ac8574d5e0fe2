"""Mastodon (any instance): hashtag timelines, the own accounts' posts, search, and the conversation around every
post of the municipality's own accounts.

API: https://docs.joinmastodon.org/methods/ (timelines/tag, accounts/:id/statuses, statuses/:id/context,
v2/search). Listings come newest first, 40 per page, with a Link header for the next (older) page."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

from pydantic import model_validator

from .apisource import ApiSource
from .base import Batch, Gone, Query, RawItem
from .payload import field
from .errors import HttpError, SourceError, SourceSkipped
from .listing import Page, parse_time
from .secrets import env_name
from .settings import HttpSourceSettings

PAGE_SIZE = 40
LOGGED_OUT_REPLIES = 60  # what an instance shows of a conversation to a reader without a token


class MastodonSettings(HttpSourceSettings):
    kind: Literal["mastodon"]
    hashtags: list[str] = []
    accounts: list[str] = []  # the municipality's own accounts: their posts and the conversations around them
    search: list[str] = []  # full-text search, where the instance allows it (mostly with a token)
    secret: str | None = "mastodon-token"  # optional: an access token, for search and private limits

    @model_validator(mode="after")
    def _something(self) -> MastodonSettings:
        if not (self.hashtags or self.accounts or self.search):
            raise ValueError("give hashtags, accounts or search to follow")
        return self


def status_key(item: RawItem) -> str:
    """Mastodon ids grow over time: zero-padded, so they sort as text the way they do as numbers."""
    return item.id.zfill(24)


def _status_time(item: RawItem) -> datetime:
    return parse_time(item.payload["created_at"])


def normalise_status(status: Mapping[str, Any]) -> dict[str, Any]:
    """One Mastodon status as a mention (Mentions JSONL v1)."""
    from .text import html_to_text  # BeautifulSoup: loaded when a source runs, not with the config

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


def status_gone(exc: HttpError) -> bool:
    """Whether an error answer about one status says it was deleted: 410 Gone, or the API's own 404 for a
    record it does not have. A 404 without that answer (a wrong address, another server) and 401/403 are not."""
    return exc.status == 410 or (exc.status == 404 and exc.answer("error") == "Record not found")


class MastodonSource(ApiSource):
    """Reads one Mastodon instance. Watermarks: what was read per hashtag, account and search."""

    platform = "mastodon"
    settings: MastodonSettings

    def open(self, watermarks: Mapping[str, str]) -> list[Query]:
        self.token = self.secret("Mastodon", required=False)
        self.open_client({"Authorization": f"Bearer {self.token}"} if self.token else None,
                         credentials=bool(self.token))
        self.own = self.own_handles(self.settings.accounts)
        queries = []
        for tag in self.settings.hashtags:
            tag = tag.lstrip("#")
            queries.append(self._listing(f"tag:{tag}", f"#{tag}", f"api/v1/timelines/tag/{quote(tag)}"))
        for acct in self.settings.accounts:
            queries.append(self._account(acct.lstrip("@")))
        for term in self.settings.search:
            queries.append(self._listing(f"search:{term}", f"search {term!r}", "api/v2/search",
                                         {"q": term, "type": "statuses"}, key="statuses"))
        return queries

    def _account(self, acct: str) -> Query:
        what = f"account @{acct}"
        found: dict[str, str] = {}

        def lookup() -> None:
            account, _ = self.client.get_json("api/v1/accounts/lookup", params={"acct": acct}, what=what)
            if "id" not in account:
                raise SourceError(f"{what}: the lookup answer has no id: the API's answer changed shape")
            found["path"] = f"api/v1/accounts/{quote(str(account['id']))}/statuses"

        return self._listing(f"account:{acct}", what, lambda: found["path"], {"exclude_reblogs": "true"},
                             before=lookup)

    def _listing(self, name: str, what: str, path: Any, extra: dict[str, str] | None = None, *,
                 key: str | None = None, before: Any = None) -> Query:
        def fetch_page(after: dict[str, Any] | None, number: int) -> Page:
            if name.startswith("search:") and not self.token:
                raise SourceSkipped(f"{what}: skipped: Mastodon search needs an access token: set the environment "
                                    f"variable for secret '{self.settings.secret}' (see docs/sources.md)")
            page_what = f"{what} page {number}"
            url = path() if callable(path) else path
            data, response = self.client.get_json(url, params={"limit": PAGE_SIZE, **(extra or {}), **(after or {})},
                                                  what=page_what, expect=dict if key else list)
            statuses = field(data, key, what=page_what) if key else data
            if not isinstance(statuses, list):
                raise SourceError(f"{page_what}: the answer has no list of {key}: the API's answer changed shape")
            items = self._items(statuses, page_what)
            if not items:
                return Page([], None)
            if key:  # search pages with max_id, not Link headers
                return Page(items, {"max_id": min(items, key=status_key).id})
            return self.page(items, response.links.get("next", {}).get("url"), page_what)

        return self.listing(name, what, fetch_page, key=status_key, when=_status_time, legacy=lambda v: v.zfill(24),
                            before=before)

    def _items(self, statuses: list[Any], what: str) -> list[RawItem]:
        items = []
        for number, status in enumerate(statuses, start=1):
            if not isinstance(status, dict) or not status.get("id"):
                raise SourceError(f"{what}: item {number} has no id: the API's answer changed shape")
            items.append(RawItem("mastodon", str(status["id"]), status, f"mastodon status {status['id']}"))
        return items

    def thread(self, item: RawItem) -> Query | None:
        """The conversation around a post of an own account: residents' replies under it, and what it replies to.
        One request; when it says the post itself was deleted, the batch names it as gone."""
        if not self.is_own(item, "account", "acct"):
            return None
        what = f"conversation of status {item.id}"

        def read(_: str | None) -> Iterator[Batch]:
            try:
                data, _ = self.client.get_json(f"api/v1/statuses/{quote(item.id)}/context", what=what)
            except HttpError as exc:
                if not status_gone(exc):
                    raise
                yield Batch(f"context:{item.id}", [], None, gone=[Gone("mastodon", item.id)])
                return
            statuses = [*data.get("ancestors", []), *data.get("descendants", [])]
            cut = []
            if not self.token and len(data.get("descendants", [])) >= LOGGED_OUT_REPLIES:
                secret = self.settings.secret
                where = f"the environment variable {env_name(secret)}" if secret else "a secret"
                cut.append(f"{what}: Mastodon shows at most {LOGGED_OUT_REPLIES} replies without an access token; "
                           f"set {where} to read them all")
            yield Batch(f"context:{item.id}", self._items(statuses, what), None, cut)

        return Query(f"context:{item.id}", what, read)

    def normalise(self, item: RawItem) -> dict[str, Any]:
        return normalise_status(item.payload)
