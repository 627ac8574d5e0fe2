"""Prefect's temporary local server, started so that it ends with the command that started it.

Without a Prefect API configured, the first Prefect call of a process starts a temporary server
(`SubprocessASGIServer`) and stops it when the process exits normally. A process killed with kill -9 runs no
exit handlers, so the server would stay behind, holding a port and Prefect's database. Started here instead,
from the process's main thread, the server asks the kernel (Linux: PR_SET_PDEATHSIG) to be sent SIGTERM when
that thread ends: the kernel sends it when the thread that started a process ends, and the main thread ends
with the process, however it ends."""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import subprocess
import sys
import threading
import types

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def start_temporary_server() -> None:
    """Start Prefect's temporary server now, bound to end with this process, when this process would start one
    (no PREFECT_API_URL, temporary servers allowed) and runs on Linux; otherwise nothing. Call it from the main
    thread before the first flow runs: later Prefect calls find the server running and use it."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value() or not sys.platform.startswith("linux"):
        return
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("start the temporary Prefect server from the main thread: it ends with the thread")
    import prefect.server.api.server as module

    server = module.SubprocessASGIServer()
    if server.running:
        return
    # Prefect's own start (its command, port choice and health wait), with its Popen given the preexec_fn.
    popen = functools.partial(subprocess.Popen, preexec_fn=_die_with_parent(os.getpid()))
    module.subprocess = types.SimpleNamespace(Popen=popen)  # only that module's Popen: it starts the server
    try:
        server.start()
    finally:
        module.subprocess = subprocess


def _die_with_parent(parent: int):
    """The function the server's process runs before Prefect's server starts in it: SIGTERM to it when the
    thread that started it ends; and ended at once if that process is gone already (it died in between)."""
    libc = ctypes.CDLL(None, use_errno=True)

    def bind() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return bind
