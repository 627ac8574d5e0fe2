"""Resident memory of this process (Linux): now, and the peak since the last reset."""

from __future__ import annotations

import time
from pathlib import Path

STATUS = Path("/proc/self/status")


def _field(name: str) -> float:
    for line in STATUS.read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{STATUS} has no {name}")


def current_mb() -> float:
    """Resident set size now, in MB."""
    return _field("VmRSS")


def peak_mb() -> float:
    """The highest resident set size since the start or the last `reset_peak`, in MB."""
    return _field("VmHWM")


def reset_peak() -> None:
    """Start measuring the peak afresh (writing 5 to clear_refs resets the high-water mark)."""
    Path("/proc/self/clear_refs").write_text("5")


def settle(timeout_s: float = 30.0) -> float:
    """Wait until freed memory has gone back to the system (the allocator returns it after a few
    seconds), so a peak measured next is not inflated by what a reader left behind. Returns RSS in MB."""
    deadline = time.monotonic() + timeout_s
    last = current_mb()
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = current_mb()
        if now > last - 5:
            return now
        last = now
    return last
