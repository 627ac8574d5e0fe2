"""What the flows share inside one worker process: the municipality's database file, shared with the other
processes that use it in short turns (luisterpost.store.access), and the turn of its one harvest."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from luisterpost.config import Config
from luisterpost.store.access import SharedFile, database_opener, sole_run
from luisterpost.store.encryption import database_key

_files: dict[Path, SharedFile] = {}
_guard = threading.Lock()


def database(config: Config) -> SharedFile:
    """This process's access to the municipality's database (one per file, shared by the flow's threads): opened
    for each step with its encryption key (from the environment or a Prefect Secret block) and let go between
    steps, so commands and other runs read and write in between."""
    path = config.database_path
    with _guard:
        if path not in _files:
            _files[path] = SharedFile(path, database_opener(path, database_key(config, prefect_secret)),
                                      wait=config.storage.wait_seconds, on_wait=_waiting)
        return _files[path]


def close_all() -> None:
    """Let go of every database this process opened."""
    with _guard:
        for shared in _files.values():
            shared.close()
        _files.clear()


@contextmanager
def harvest_turn(config: Config) -> Iterator[None]:
    """The municipality's one harvest at a time. With a Prefect server, a second nightly run of the same
    municipality waits for the first (the global concurrency limit `nightly-<slug>`, made on first use);
    whatever starts it, a second harvest of the same file stops at once with a one-line message. A watch cycle
    that holds the file's turn is waited for, at most `[watch] nightly_wait_minutes`: it ends within minutes."""
    from prefect.concurrency.sync import concurrency

    name = f"nightly-{config.municipality.slug}"
    _ensure_limit(name)
    with ExitStack() as stack:
        try:
            stack.enter_context(concurrency(name, occupy=1, strict=False))
        except Exception as exc:  # noqa: BLE001 - the Prefect API not answering: the file's own turn still holds
            logging.getLogger(__name__).warning("concurrency limit %s not taken: %s", name, exc)
        stack.enter_context(sole_run(config.database_path, "harvest", role="nightly",
                                     wait=config.watch.nightly_wait_minutes * 60, wait_for=("watch",),
                                     on_wait=_waiting))
        yield


def _ensure_limit(name: str) -> None:
    from prefect.client.orchestration import get_client

    try:
        with get_client(sync_client=True) as client:
            client.upsert_global_concurrency_limit_by_name(name, limit=1)
    except Exception as exc:  # noqa: BLE001 - without the limit the file's own turn still keeps runs apart
        logging.getLogger(__name__).warning("concurrency limit %s not made: %s", name, exc)


def _waiting(message: str) -> None:
    try:
        from prefect import get_run_logger

        get_run_logger().info(message)
    except Exception:  # noqa: BLE001 - outside a run (a test): the standard logger
        logging.getLogger(__name__).info(message)


def prefect_secret(name: str) -> str | None:
    """The value of the Prefect Secret block `name`, or None when there is no such block."""
    from prefect.blocks.system import Secret

    try:
        return Secret.load(name).get()
    except ValueError:  # no block of that name (or not a valid block name)
        return None
