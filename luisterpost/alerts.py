"""Sending an alert to the URLs of `[alerts] urls` (Apprise: mailto/mailtos, msteams, slack, matrix, json:// and
form:// webhooks, …).

Credentials never stand in the config: a URL holds `{secret:NAME}` placeholders, filled in at send time from the
environment variable NAME_IN_CAPITALS or the Prefect Secret block NAME (sources.secrets.read_secret). The filled-in
URL is never logged or stored: deliveries are named by scheme and host only, and every error is redacted."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from .sources.base import SecretLookup
from .sources.secrets import env_name, read_secret

PLACEHOLDER = re.compile(r"\{secret:([A-Za-z0-9_.-]+)\}")
HIDDEN = "***"


class MissingSecret(Exception):
    """A placeholder's secret is set neither in the environment nor as a Prefect Secret block."""


@dataclass
class Delivery:
    """How sending one alert to one URL went."""

    target: int  # the URL's place in [alerts] urls
    label: str  # scheme://host, safe to show
    delivered: bool
    attempts: int
    error: str | None = None


def label(url: str) -> str:
    """'scheme://host' of an alert URL as configured: what logs and the database may show of it."""
    parts = urlsplit(PLACEHOLDER.sub("x", url))
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if _port(parts) else "")


def _port(parts) -> int | None:
    try:
        return parts.port
    except ValueError:
        return None


def resolve(url: str, secrets: SecretLookup | None) -> tuple[str, list[str]]:
    """`url` with its placeholders filled in, and the secret values used (to redact them from errors)."""
    values: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match[1]
        value = read_secret(name, secrets)
        if value is None:
            raise MissingSecret(f"the secret '{name}' is not set: set the environment variable {env_name(name)} "
                                f"or create a Prefect Secret block named '{name}'")
        values.append(value)
        return value

    return PLACEHOLDER.sub(fill, url), values


def redact(text: str, hidden: list[str]) -> str:
    """`text` without any of the `hidden` values (longest first, so one inside another goes too)."""
    for value in sorted(hidden, key=len, reverse=True):
        if value:
            text = text.replace(value, HIDDEN)
    return text


def send(target: int, url: str, title: str, body: str, *, secrets: SecretLookup | None = None, retries: int = 3,
         backoff: float = 2.0, sleep: Callable[[float], None] = time.sleep) -> Delivery:
    """Send one alert to one configured URL, trying again `retries` times with doubling waits from `backoff`
    seconds; return how it went (the error redacted: no secret, no filled-in URL)."""
    import apprise  # loaded when an alert is sent, not with every command

    # Apprise's own log lines may name the URL: they go to the capture below only, never to the process's log.
    logging.getLogger("apprise").propagate = False
    shown = label(url)
    try:
        full, values = resolve(url, secrets)
    except MissingSecret as exc:
        return Delivery(target, shown, False, 0, str(exc))
    hidden = [full, *values]
    attempts, error = 0, None
    for attempt in range(retries + 1):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        attempts += 1
        notifier = apprise.Apprise()
        with apprise.LogCapture(level=logging.WARNING) as captured:
            if not notifier.add(full):
                return Delivery(target, shown, False, attempts, f"{shown}: not a URL Apprise can send to")
            try:
                sent = notifier.notify(body=body, title=title)
            except Exception as exc:  # noqa: BLE001 - any failure is a failed delivery, recorded and retried
                sent, error = False, f"{exc.__class__.__name__}: {exc}"
            said = captured.getvalue().strip()
        if sent:
            return Delivery(target, shown, True, attempts)
        error = redact(said.splitlines()[-1] if said else (error or "not delivered"), hidden)
    return Delivery(target, shown, False, attempts, f"{shown}: {error}")
