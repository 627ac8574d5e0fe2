"""Talking to platform APIs: one HTTP client with the retry, rate-limit, credential and error rules every adapter
shares.

Transient trouble (timeouts, dropped connections, 5xx, 429) is retried with backoff, honouring Retry-After and
(X-)RateLimit-* headers; this is the only retry layer. What is left is raised as an error that names the request in
words a user can follow, the host and the cause (DNS, refused, TLS, timeout, HTTP status), without query strings
(which may carry tokens) and with every known secret masked. A client that carries credentials sends requests
only to its own host: a link or redirect to another host is refused, so a token never travels elsewhere."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import tenacity

from .. import __version__
from .errors import HttpError, NetworkError, SourceError, SourceStopped, redact
from .payload import decode_json

USER_AGENT = f"luisterpost/{__version__} (municipal social listening)"


class _Transient(Exception):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class _Permanent(Exception):
    """A network failure that retrying will not mend (an unknown host, a refused connection, a bad certificate)."""


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


def network_cause(exc: httpx.TransportError, timeout: float) -> tuple[str, bool]:
    """(what went wrong in words, whether trying again may help) for a failed connection."""
    text = str(exc) or repr(exc)
    lowered = text.lower()
    if isinstance(exc, httpx.ConnectTimeout):
        return f"no connection within {timeout:g} s (timeout)", True
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {timeout:g} s (timeout)", True
    if "temporary failure in name resolution" in lowered or "try again" in lowered:
        return "DNS lookup failed for now (temporary failure in name resolution)", True
    if "name or service not known" in lowered or "nodename nor servname" in lowered or "getaddrinfo" in lowered \
            or "no address associated" in lowered:
        return "DNS lookup failed: the host name is not known (check base_url)", False
    if "connection refused" in lowered:
        return "connection refused (nothing listens there: check base_url, or the service is down)", False
    if "ssl" in lowered or "certificate" in lowered or "tls" in lowered:
        return f"TLS handshake failed ({text[:160]})", False
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "the connection was dropped", True
    return f"connection failed ({exc.__class__.__name__}: {text[:160]})", True


def _origin(url: httpx.URL) -> str:
    """scheme://host[:port]: where a request goes, as credentials are bound to it."""
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}"


class ApiClient:
    """An httpx client for one source with its retry policy.

    `settings` carries base_url, timeout_seconds, retries, backoff_seconds and max_wait_seconds. With
    `credentials` (headers or an auth pair carry a secret) every request must go to base_url's host."""

    def __init__(self, settings: Any, *, headers: Mapping[str, str] | None = None, secrets: Iterable[str] = (),
                 sleep: Callable[[float], None] = time.sleep, credentials: bool = False):
        self.settings = settings
        self.secrets = [s for s in secrets if s]
        self.sleep = sleep
        self.base = httpx.URL(str(settings.base_url).rstrip("/") + "/")
        self.credentials = credentials
        self.http = httpx.Client(
            base_url=self.base,
            timeout=httpx.Timeout(settings.timeout_seconds),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
            follow_redirects=True,
            event_hooks={"request": [self._guard]},
        )
        self._wait_until: float | None = None  # monotonic time the rate-limit window reopens

    @property
    def host(self) -> str:
        return self.base.host

    def close(self) -> None:
        self.http.close()

    def _guard(self, request: httpx.Request) -> None:
        # Runs for every request, redirects included: a secret never leaves the host it belongs to.
        if self.credentials and _origin(request.url) != _origin(self.base):
            raise SourceError(f"refused to send credentials to {_origin(request.url)}: this source's secret goes "
                              f"only to {_origin(self.base)} (a link or redirect in the API's answer points elsewhere)")

    def _describe(self, method: str, url: str) -> str:
        # Host and path only: query strings may carry tokens or keys.
        target = self.base.join(url)
        return f"{method} {target.host}/{target.path.lstrip('/')}"

    def _pause_for_rate_limit(self, what: str) -> None:
        if self._wait_until is None:
            return
        wait = self._wait_until - time.monotonic()
        self._wait_until = None
        if wait > self.settings.max_wait_seconds:
            raise SourceStopped(f"{what}: rate limit used up for {wait:.0f} s more (longer than max_wait_seconds = "
                                f"{self.settings.max_wait_seconds:g}); the rest follows next run")
        if wait > 0:
            self.sleep(wait)

    def _note_rate_limit(self, response: httpx.Response) -> None:
        # X-RateLimit-* (Mastodon, Reddit), or the IETF draft's RateLimit-* that the atproto services send.
        remaining = response.headers.get("x-ratelimit-remaining", response.headers.get("ratelimit-remaining"))
        reset = response.headers.get("x-ratelimit-reset", response.headers.get("ratelimit-reset"))
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
        except httpx.TransportError as exc:
            cause, transient = network_cause(exc, self.settings.timeout_seconds)
            raise (_Transient if transient else _Permanent)(cause) from None
        self._note_rate_limit(response)
        if response.status_code == 429 or response.status_code >= 500:
            retry_after = None
            if "retry-after" in response.headers:
                retry_after = _seconds_until(response.headers["retry-after"], datetime.now(UTC))
            if retry_after is not None and retry_after > self.settings.max_wait_seconds:
                raise SourceStopped(
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

        Raises NetworkError when the host stays unreachable or failing, SourceStopped for a wait too long,
        HttpError (a SourceError with the status and the answer's JSON) for answers that retrying will not change."""
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Transient),
            stop=tenacity.stop_after_attempt(self.settings.retries + 1),
            wait=self._wait, sleep=self.sleep, reraise=True,
        )
        try:
            response = retrying(self._send, method, url, what, **kwargs)
        except _Transient as exc:
            tries = retrying.statistics.get("attempt_number", self.settings.retries + 1)
            raise NetworkError(redact(f"{what}: {exc} after {tries} tries ({self._describe(method, url)})",
                                      self.secrets)) from None
        except _Permanent as exc:
            raise NetworkError(redact(f"{what}: {self._describe(method, url)}: {exc}", self.secrets)) from None
        if response.status_code >= 400:
            hint = {401: " (check the credentials)", 403: " (no access, or the API is not enabled for this key)",
                    404: " (not found: check the configured name or id)"}.get(response.status_code, "")
            body = _json_body(response)
            raise HttpError(redact(f"{what}: HTTP {response.status_code}{hint} for "
                                   f"{self._describe(method, url)}{_error_detail(body)}", self.secrets),
                            response.status_code, body)
        return response

    def get_json(self, url: str, *, what: str, params: Mapping[str, Any] | None = None,
                 expect: type = dict, **kwargs: Any) -> tuple[Any, httpx.Response]:
        """GET `url` and return (decoded JSON, response); the JSON must be a `expect` (dict or list)."""
        response = self.request("GET", url, what=what, params=params, **kwargs)
        return decode_json(response, what, expect), response

    def next_page(self, url: str | None, what: str) -> dict[str, str] | None:
        """The query parameters of a 'next page' link (a Link header, paging.next), without credentials: what
        is kept to ask for that page, now or in a later run, from this client's own host and path. A link to
        another host is refused: following it would hand that host our token."""
        if not url:
            return None
        link = self.base.join(url)
        if _origin(link) != _origin(self.base):
            raise SourceError(f"{what}: the next-page link points at {_origin(link)}, not at {_origin(self.base)}: "
                              "refused (credentials go only to their own host)")
        params = {k: v for k, v in link.params.multi_items() if k not in {"access_token", "key"}}
        return params or None


def _json_body(response: httpx.Response) -> Any:
    """The answer's JSON, or None when it is not JSON (an HTML error page)."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _error_detail(body: Any) -> str:
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
