"""What every energy or temperature collector shares: the sampling thread, the reading it
returns, and where the fake-able system tree is rooted.

A collector reads files under a root (``/`` by default, ``EDGEBENCH_SYSFS_ROOT`` or a test's
temp dir), so the arithmetic is tested on a fake ``/sys`` tree with known counters. Sampling
blocks on an event with a timeout between samples; it never spins.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


def sysfs_root() -> Path:
    """Where ``/sys`` is read from: ``EDGEBENCH_SYSFS_ROOT`` if set, else ``/``."""
    return Path(os.environ.get("EDGEBENCH_SYSFS_ROOT", "/"))


@dataclass(frozen=True)
class EnergyReading:
    """Joules per domain over one window, from one source."""

    source: str
    joules: dict[str, float]
    window_ns: int


@dataclass
class Sampler:
    """Calls ``sample`` at start, every ``interval_s`` in a thread, and at stop."""

    sample: Callable[[], None]
    interval_s: float
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    started_ns: int = 0
    stopped_ns: int = 0

    def start(self) -> None:
        self._stop.clear()
        self.started_ns = time.perf_counter_ns()
        self.sample()
        self._thread = threading.Thread(target=self._loop, name="edgebench-sampler",
                                        daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def stop(self) -> int:
        """Stop, take the last sample, return the window in ns."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.sample()
        self.stopped_ns = time.perf_counter_ns()
        return self.stopped_ns - self.started_ns


def integrate_watts(samples: list[tuple[int, float]]) -> float:
    """Joules from (perf_counter_ns, watts) samples, trapezoid rule."""
    joules = 0.0
    for (t0, w0), (t1, w1) in zip(samples, samples[1:]):
        joules += (w0 + w1) / 2 * (t1 - t0) / 1e9
    return joules
