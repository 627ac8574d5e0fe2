"""What can go wrong while reading a source, as exceptions whose message a user can read and act on."""

from __future__ import annotations

from collections.abc import Iterable


class SourceError(Exception):
    """A query (or, raised while opening, the whole source) cannot go on; the message says what and where."""


class SourceSkipped(SourceError):
    """A source or query cannot run here (a missing secret, an optional part not installed): skipped, not failed."""


class MissingCredentials(SourceSkipped):
    """A source needs a secret that is not set."""


class SourceStopped(SourceError):
    """The source must stop for now (a daily quota spent, a rate limit that lasts too long): the queries not
    yet read wait for the next run, where they continue from where they stopped."""


class HttpError(SourceError):
    """The API answered a request with an error status that retrying will not change (4xx). `status` and `body`
    (the answer's JSON, None when it is not JSON) let an adapter tell a clear "this post is gone" from every
    other refusal (a wrong address, a missing permission)."""

    def __init__(self, message: str, status: int, body: object = None):
        super().__init__(message)
        self.status = status
        self.body = body

    def answer(self, *path: str | int) -> object:
        """The value at body[path[0]][path[1]]… of the JSON answer (keys, list positions); None where there is
        none."""
        value = self.body
        for key in path:
            if isinstance(key, int) and isinstance(value, list) and -len(value) <= key < len(value):
                value = value[key]
            elif isinstance(key, str) and isinstance(value, dict):
                value = value.get(key)
            else:
                return None
        return value


class NetworkError(SourceError):
    """The platform stayed unreachable or kept failing after every retry; worth trying again next run."""


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret value replaced by ***."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text
