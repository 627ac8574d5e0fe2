"""Reading a source's secret (token, app password, API key) from the environment or a secret store.

Secrets are only ever held in memory: never logged, stored in the database or put in a report."""

from __future__ import annotations

import os
import re
from .base import SecretLookup
from .errors import MissingCredentials

__all__ = ["SecretLookup", "env_name", "read_secret", "require_secret"]


def env_name(name: str) -> str:
    """The environment variable a secret's name is read from: 'bluesky-app-password' → BLUESKY_APP_PASSWORD."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()


def read_secret(name: str | None, lookup: SecretLookup | None = None) -> str | None:
    """The secret `name` from the environment, else from `lookup`; None when it is set in neither."""
    if not name:
        return None
    value = os.environ.get(env_name(name))
    if not value and lookup is not None:
        value = lookup(name)
    return value.strip() if value and value.strip() else None


def require_secret(name: str | None, lookup: SecretLookup | None, needed_for: str) -> str:
    """The secret `name`, or MissingCredentials saying where to put it."""
    value = read_secret(name, lookup)
    if value is None:
        if not name:
            raise MissingCredentials(f"skipped: {needed_for} needs a secret; set `secret = \"name\"` in its [[sources]] table")
        raise MissingCredentials(
            f"skipped: {needed_for} needs the secret '{name}': set the environment variable {env_name(name)} "
            f"or create a Prefect Secret block named '{name}'")
    return value
