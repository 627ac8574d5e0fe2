"""Talking to platform APIs: one HTTP client with the retry, rate-limit and error rules every adapter shares.

Transient trouble (timeouts, dropped connections, 5xx, 429) is retried with backoff, honouring Retry-After
and X-RateLimit-* headers; what is left is raised as an error that names the source's request in words
a user can follow, without query strings (which may carry tokens) and with every known secret masked."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import tenacity

from .. import __version__
from .base import Batch, RawItem

USER_AGENT = f"luisterpost/{__version__} (municipal social listening)"


class SourceError(Exception):
    """A source cannot go on, for a reason a user can read and act on (the message says what and where)."""


class SourceSkipped(SourceError):
    """A source cannot run here (a missing secret, an optional part not installed): skipped, not failed."""


class MissingCredentials(SourceSkipped):
    """A source needs a secret that is not set."""


class NetworkError(ConnectionError):
    """The platform stayed unreachable or kept failing after every retry; worth trying again later."""


class _Transient(Exception):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret value replaced by ***."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def _seconds_until(value: str, now: datetime) -> float | None:
    """Seconds to wait for a Retry-After / X-RateLimit-Reset value: seconds, an epoch time, an HTTP date or ISO time."""
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - now).total_seconds())
    # Large numbers are epoch times (some APIs send those), small ones a number of seconds.
    return max(0.0, number - now.timestamp()) if number > 1e9 else max(0.0, number)


class ApiClient:
    """An httpx client for one source with its retry policy.

    `settings` carries base_url, timeout_seconds, retries, backoff_seconds and max_wait_seconds."""

    def __init__(self, settings: Any, *, headers: Mapping[str, str] | None = None, secrets: Iterable[str] = (),
                 sleep: Callable[[float], None] = time.sleep):
        self.settings = settings
        self.secrets = [s for s in secrets if s]
        self.sleep = sleep
        self.http = httpx.Client(
            base_url=str(settings.base_url).rstrip("/") + "/",
            timeout=httpx.Timeout(settings.timeout_seconds),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
            follow_redirects=True,
        )
        self._wait_until: float | None = None  # monotonic time the rate-limit window reopens

    def close(self) -> None:
        self.http.close()

    def add_secret(self, value: str) -> None:
        if value:
            self.secrets.append(value)

    def _describe(self, method: str, url: str) -> str:
        # The path only: query strings may carry tokens or keys.
        return f"{method} /{httpx.URL(url).path.lstrip('/')}"

    def _pause_for_rate_limit(self, what: str) -> None:
        if self._wait_until is None:
            return
        wait = self._wait_until - time.monotonic()
        self._wait_until = None
        if wait > self.settings.max_wait_seconds:
            raise SourceError(f"{what}: rate limit used up for {wait:.0f} s more (longer than max_wait_seconds = "
                              f"{self.settings.max_wait_seconds:g}); the rest follows next run")
        if wait > 0:
            self.sleep(wait)

    def _note_rate_limit(self, response: httpx.Response) -> None:
        remaining = response.headers.get("x-ratelimit-remaining")
        reset = response.headers.get("x-ratelimit-reset")
        if remaining is None or reset is None:
            return
        try:
            left = float(remaining)
        except ValueError:
            return
        if left < 1:
            seconds = _seconds_until(reset, datetime.now(UTC))
            if seconds is not None:
                self._wait_until = time.monotonic() + seconds

    def _send(self, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
        self._pause_for_rate_limit(what)
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise _Transient(f"no answer within {self.settings.timeout_seconds:g} s") from None
        except httpx.TransportError as exc:
            raise _Transient(f"connection failed ({exc.__class__.__name__})") from None
        self._note_rate_limit(response)
        if response.status_code == 429 or response.status_code >= 500:
            retry_after = None
            if "retry-after" in response.headers:
                retry_after = _seconds_until(response.headers["retry-after"], datetime.now(UTC))
            if retry_after is not None and retry_after > self.settings.max_wait_seconds:
                raise SourceError(
                    f"{what}: rate limited: asked to wait {retry_after:.0f} s (longer than max_wait_seconds = "
                    f"{self.settings.max_wait_seconds:g}); the rest follows next run")
            label = "rate limited (HTTP 429)" if response.status_code == 429 else f"HTTP {response.status_code}"
            raise _Transient(label, retry_after)
        return response

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return exc.retry_after
        backoff = tenacity.wait_exponential_jitter(multiplier=self.settings.backoff_seconds, max=60,
                                                   jitter=self.settings.backoff_seconds)
        return backoff(state)

    def request(self, method: str, url: str, *, what: str, **kwargs: Any) -> httpx.Response:
        """Send one request, retrying what is transient; return a 2xx response.

        Raises NetworkError when retries run out, SourceError for answers that retrying will not change."""
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Transient),
            stop=tenacity.stop_after_attempt(self.settings.retries + 1),
            wait=self._wait, sleep=self.sleep, reraise=True,
        )
        try:
            response = retrying(self._send, method, url, what, **kwargs)
        except _Transient as exc:
            raise NetworkError(redact(f"{what}: {exc} after {self.settings.retries + 1} tries "
                                      f"({self._describe(method, url)})", self.secrets)) from None
        if response.status_code >= 400:
            hint = {401: " (check the credentials)", 403: " (no access, or the API is not enabled for this key)",
                    404: " (not found: check the configured name or id)"}.get(response.status_code, "")
            detail = _error_detail(response)
            raise SourceError(redact(f"{what}: HTTP {response.status_code}{hint} for "
                                     f"{self._describe(method, url)}{detail}", self.secrets))
        return response

    def get_json(self, url: str, *, what: str, params: Mapping[str, Any] | None = None,
                 expect: type = dict, **kwargs: Any) -> tuple[Any, httpx.Response]:
        """GET `url` and return (decoded JSON, response); the JSON must be a `expect` (dict or list)."""
        response = self.request("GET", url, what=what, params=params, **kwargs)
        return decode_json(response, what, expect), response


def decode_json(response: httpx.Response, what: str, expect: type = dict) -> Any:
    """The response body as JSON of type `expect`, or a SourceError saying what came instead."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"{what}: the answer is not valid JSON ({exc.__class__.__name__} at "
                          f"{getattr(exc, 'pos', '?')}); stored pages are kept, the rest follows next run") from None
    if not isinstance(data, expect):
        raise SourceError(f"{what}: expected a JSON {'object' if expect is dict else 'list'}, got "
                          f"{type(data).__name__}: the API's answer changed shape")
    return data


def _error_detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return ""
    message = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            message = error.get("message")
        elif isinstance(error, str):
            message = body.get("error_description") or body.get("message") or error
        else:
            message = body.get("message")
    return f": {str(message)[:200]}" if message else ""


def field(record: Mapping[str, Any], *path: str, what: str) -> Any:
    """record[path[0]][path[1]]…, or a SourceError naming the missing key (an API that changed shape)."""
    value: Any = record
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            raise SourceError(f"{what}: the answer has no {'.'.join(path)!s}: the API's answer changed shape")
        value = value[key]
    return value


def newest_first(query: str, pages: Iterable[list[RawItem]], *, key: Callable[[RawItem], Any],
                 watermark: Any | None, when: Callable[[RawItem], datetime | None] | None = None,
                 since: datetime | None = None, reread_since: datetime | None = None,
                 to_text: Callable[[Any], str] = str) -> Iterator[Batch]:
    """Batches for a listing that comes newest first, read back to the stored watermark.

    The listing ends at the first item at or below `watermark` (compared by `key`); on a first run (no
    watermark) at the first item older than `since`. Items younger than `reread_since` are read even
    below the watermark, so their counts and conversations stay fresh (stored again, never twice).
    The new watermark, the newest key seen, is stored with a last, empty batch only after every page
    was read: a failure half-way keeps what was read and the old watermark, so the next run reads the
    gap again and nothing is lost."""

    def key_of(item: RawItem) -> Any:
        try:
            return key(item)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None  # a changed shape: kept, so normalising it reports the item by name

    def time_of(item: RawItem) -> datetime | None:
        try:
            return when(item) if when else None
        except (KeyError, TypeError, ValueError, AttributeError):
            return None  # as above: no time to end the listing on

    def ends(item: RawItem, item_key: Any) -> bool:
        at = time_of(item)
        if watermark is None:
            return since is not None and at is not None and at < since
        if item_key is None or item_key > watermark:
            return False
        return reread_since is None or at is None or at < reread_since

    newest = None
    for page in pages:
        kept = []
        for item in page:
            item_key = key_of(item)
            if ends(item, item_key):
                break
            kept.append(item)
            if item_key is not None and (newest is None or item_key > newest):
                newest = item_key
        yield Batch(query, kept, None)
        if len(kept) < len(page):
            break
    if newest is not None and (watermark is None or newest > watermark):
        yield Batch(query, [], to_text(newest))


def unseen(items: Iterable[RawItem], seen: set[str]) -> list[RawItem]:
    """The items whose id is not in `seen` yet, adding theirs: each item once per run, however many of the
    source's queries (a hashtag, a conversation, a search) return it."""
    fresh = []
    for item in items:
        if item.id not in seen:
            seen.add(item.id)
            fresh.append(item)
    return fresh


def utc_iso(value: datetime) -> str:
    """A time as ISO-8601 in UTC with a Z: the form watermarks of times are kept in (they sort as text)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
