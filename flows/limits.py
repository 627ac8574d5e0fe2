"""Prefect global concurrency limits per platform API: municipalities share credentials and quotas.

A source of a platform kind holds one slot of the limit `platform-<kind>` while it harvests. A limit that does
not exist (no `prefect gcl create`, or Prefect's ephemeral mode) lets every harvest through at once: the slot is
asked for non-strictly, so nothing blocks or fails without it (Prefect logs that the limit does not exist)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

# Kinds that call a platform's API (or scrape it) with credentials or quotas shared between municipalities;
# the others (demo, drop folders, exports) read local files and need no limit.
PLATFORM_KINDS = frozenset({"mastodon", "bluesky", "reddit", "youtube", "news", "facebook", "instagram", "snscrape"})
PREFIX = "platform-"


def limit_name(kind: str) -> str | None:
    """The name of the global concurrency limit a source of `kind` holds a slot of, or None (a local kind)."""
    return PREFIX + kind if kind in PLATFORM_KINDS else None


@contextmanager
def platform_slot(kind: str) -> Iterator[None]:
    """Hold a slot of the platform's limit while the block runs (waiting for one when all are taken)."""
    from prefect.concurrency.sync import concurrency

    name = limit_name(kind)
    if name is None:
        yield
        return
    # The lease is renewed while the harvest runs; a renewal that fails must not stop a harvest half-way.
    with concurrency(name, occupy=1, strict=False, raise_on_lease_renewal_failure=False):
        yield


def ensure_limits(limits: dict[str, int]) -> list[str]:
    """Create the limits `platform-<kind>` → slots that do not exist yet (an existing one is left as set with
    `prefect gcl update`); return the names created."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectNotFound

    from luisterpost.errors import UserError

    unknown = sorted(kind for kind in limits if kind.removeprefix(PREFIX) not in PLATFORM_KINDS)
    if unknown:
        raise UserError(f"platform_limits: {', '.join(unknown)} not a platform kind (known: "
                        f"{', '.join(sorted(PLATFORM_KINDS))})")
    created = []
    with get_client(sync_client=True) as client:
        for kind, slots in limits.items():
            name = PREFIX + kind.removeprefix(PREFIX)
            try:
                client.read_global_concurrency_limit_by_name(name)
            except ObjectNotFound:
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=int(slots)))
                created.append(name)
    return created
