"""What the platform API adapters share: settings, secrets, HTTP clients, time windows and listings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

from ..handles import normalise_handle
from .base import Batch, Query, RawItem, SourceBase, SourceContext
from .errors import SourceError
from .listing import Page, read_listing
from .secrets import read_secret, require_secret


class ApiSource(SourceBase):
    """Base of an adapter that reads a platform's web API (see base.Source for the interface)."""

    platform = ""

    def __init__(self, settings: Any, ctx: SourceContext):
        self.name = settings.source_name
        self.settings = settings
        self.config = ctx.config
        self.now = ctx.now.astimezone(UTC)
        self.secrets: list[str] = []  # values to mask in every message
        self._lookup = ctx.secrets
        self._sleep = ctx.sleep
        self.client: Any = None
        self._clients: list[Any] = []

    @property
    def floor(self) -> datetime:
        """How far back a query's first run reads: `lookback_days`, else the start of the previous calendar month
        in the municipality's time zone (so the first monthly report is complete)."""
        if self.settings.lookback_days:
            return self.now - timedelta(days=self.settings.lookback_days)
        tz = self.config.municipality.tz if self.config else UTC
        first = self.now.astimezone(tz).date().replace(day=1)
        previous = (first - timedelta(days=1)).replace(day=1)
        return datetime.combine(previous, time(), tz).astimezone(UTC)

    def own_handles(self, extra: list[str] = ()) -> set[str]:
        """The municipality's own handles on this platform: the source's accounts and [accounts] in the config."""
        listed = self.config.own_handles().get(self.platform, set()) if self.config else set()
        return listed | {normalise_handle(self.platform, h) for h in extra}

    def is_own(self, item: RawItem, *path: str) -> bool:
        """Whether the handle at payload[path[0]][path[1]]… is one of `self.own` (set by `open`)."""
        value: Any = item.payload
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return isinstance(value, str) and normalise_handle(self.platform, value) in self.own

    def secret(self, needed_for: str, *, required: bool = True) -> str | None:
        """The configured secret's value (MissingCredentials when required and not set)."""
        if required:
            value: str | None = require_secret(self.settings.secret, self._lookup, needed_for)
        else:
            value = read_secret(self.settings.secret, self._lookup)
        if value:
            self.secrets.append(value)
        return value

    def open_client(self, headers: dict[str, str] | None = None, base_url: str | None = None, *,
                    credentials: bool = False) -> Any:
        """An HTTP client for this source, from now on `self.client` (all are closed by `close`).
        `base_url` overrides the settings' (for a login that lives elsewhere); with `credentials` the client
        sends nothing to any other host."""
        from .client import ApiClient  # httpx and tenacity: loaded when a source runs, not with the config

        settings = self.settings if base_url is None else self.settings.model_copy(update={"base_url": base_url})
        self.client = ApiClient(settings, headers=headers, secrets=self.secrets, sleep=self._sleep,
                                credentials=credentials)
        self._clients.append(self.client)
        return self.client

    def page(self, items: list[RawItem], next_url: str | None, what: str) -> Page:
        """A page of a listing whose next page is at `next_url` (a Link header, paging.next). A link that must
        not be followed (another host) leaves the page good and the listing stopped with that error."""
        try:
            return Page(items, self.client.next_page(next_url, what) if items else None)
        except SourceError as exc:
            return Page(items, None, exc)

    def listing(self, name: str, label: str, fetch_page: Callable[[dict[str, Any] | None, int], Page], *,
                key: Callable[[RawItem], str], when: Callable[[RawItem], datetime],
                legacy: Callable[[str], str] = str, before: Callable[[], None] | None = None,
                overlap: timedelta = timedelta(0)) -> Query:
        """A query over a newest-first listing that leaves no gaps (see listing.read_listing, also for `overlap`).
        `before` runs first when the query is read (an account lookup), so its failure is this query's alone."""

        def read(watermark: str | None) -> Iterator[Batch]:
            if before is not None:
                before()
            yield from read_listing(name, fetch_page, key=key, when=when, state=watermark, floor=self.floor,
                                    max_pages=self.settings.max_pages, legacy=legacy, overlap=overlap)

        return Query(name, label, read)

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
        self.client = None
