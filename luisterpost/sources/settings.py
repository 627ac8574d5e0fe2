"""What the settings of every platform API source share: where it is, how patient to be, how far to read."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from ..strict import Strict


class HttpSourceSettings(Strict):
    """The keys every API source's [[sources]] table accepts (docs/sources.md)."""

    name: str | None = None
    base_url: str
    timeout_seconds: float = Field(default=30, gt=0)
    retries: int = Field(default=4, ge=0, le=20)  # after the first try, for timeouts, 5xx and 429
    backoff_seconds: float = Field(default=1.0, ge=0)  # first wait between tries; doubles each time
    max_wait_seconds: float = Field(default=900, ge=0)  # longest Retry-After / rate-limit wait honoured
    max_pages: int = Field(default=20, ge=1)  # per query and run; what is left is read by the next runs
    # How far back a query's first run reads; default: to the start of the previous calendar month, so the
    # first monthly report is complete.
    lookback_days: float | None = Field(default=None, gt=0)
    revisit_days: float = Field(default=3, ge=0)  # conversations of posts this young are read again
    # Name of the secret: the environment variable NAME_IN_CAPITALS, or a Prefect Secret block of this name.
    secret: str | None = None
    # Also read by the watch (every [watch] interval_minutes), not only by the nightly: docs/operations.md.
    watch: bool = False

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"https?://[^/\s]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value.rstrip("/")

    @property
    def source_name(self) -> str:
        return self.name or f"{self.kind}:{self._label()}"  # type: ignore[attr-defined]

    def _label(self) -> str:
        return re.sub(r"^https?://", "", self.base_url)
