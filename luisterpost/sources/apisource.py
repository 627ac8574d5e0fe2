"""What the platform API adapters share: their settings, secrets, HTTP client and time windows."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from .http import ApiClient
from .secrets import SecretLookup, read_secret, require_secret


class ApiSource:
    """Base of an adapter that reads a platform's web API (see base.Source for the interface)."""

    platform = ""

    def __init__(self, settings: Any, *, config: Any = None, secrets: SecretLookup | None = None,
                 now: datetime | None = None, sleep: Callable[[float], None] = time.sleep):
        self.name = settings.source_name
        self.settings = settings
        self.config = config
        self.now = (now or datetime.now(UTC)).astimezone(UTC)
        self.secrets: list[str] = []  # values to mask in every message
        self._lookup = secrets
        self._sleep = sleep
        self.client: ApiClient | None = None
        self._clients: list[ApiClient] = []

    @property
    def since(self) -> datetime:
        """How far back a first run reads."""
        return self.now - timedelta(days=self.settings.lookback_days)

    @property
    def revisit_since(self) -> datetime:
        """Posts younger than this have their conversations read again for new replies."""
        return self.now - timedelta(days=self.settings.revisit_days)

    def secret(self, needed_for: str, *, required: bool = True) -> str | None:
        """The configured secret's value (MissingCredentials when required and not set)."""
        if required:
            value: str | None = require_secret(self.settings.secret, self._lookup, needed_for)
        else:
            value = read_secret(self.settings.secret, self._lookup)
        if value:
            self.secrets.append(value)
        return value

    def open_client(self, headers: dict[str, str] | None = None, base_url: str | None = None) -> ApiClient:
        """An HTTP client for this source, from now on `self.client` (all are closed by `close`).
        `base_url` overrides the settings' (for a login that lives elsewhere)."""
        settings = self.settings if base_url is None else self.settings.model_copy(update={"base_url": base_url})
        self.client = ApiClient(settings, headers=headers, secrets=self.secrets, sleep=self._sleep)
        self._clients.append(self.client)
        return self.client

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
        self.client = None


def parse_time(value: str) -> datetime:
    """An ISO-8601 time from an API (Z or offset) as an aware UTC datetime."""
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)
