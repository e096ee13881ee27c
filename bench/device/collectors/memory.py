"""Resident memory of the benchmark process, read from ``/proc/<pid>/status``.

What the figures mean:

- ``rss``: VmRSS, the resident set size now (anonymous + file-backed + shared pages mapped
  into this process and present in RAM).
- ``peak_rss_bytes``: VmHWM, the kernel's high-water mark of VmRSS, reset at the start of
  each run through ``/proc/<pid>/clear_refs`` (Linux >= 4.0), so it covers session creation,
  warm-up and the measured run and nothing before. Where the reset is refused, a thread
  samples VmRSS every 20 ms instead, and ``peak_rss_method`` says so.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import psutil

_FIELD = re.compile(r"^(VmRSS|VmHWM):\s+(\d+)\s*kB", re.MULTILINE)

HWM_METHOD = "VmHWM, reset at run start"
SAMPLED_METHOD = "max of VmRSS sampled every 20 ms"


class MemoryCollector:
    """Tracks the peak resident set of one process over one run."""

    def __init__(self, proc_root: Path = Path("/proc"), pid: str = "self",
                 interval_s: float = 0.02) -> None:
        self._dir = proc_root / pid
        self._interval = interval_s
        self._sampled_peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.method = HWM_METHOD

    def _read(self) -> dict[str, int]:
        try:
            text = (self._dir / "status").read_text()
        except OSError:
            return {"VmRSS": psutil.Process().memory_info().rss}
        return {key: int(kb) * 1024 for key, kb in _FIELD.findall(text)}

    def rss(self) -> int:
        return self._read().get("VmRSS", 0)

    def start(self) -> None:
        """Reset the kernel's high-water mark, or start sampling where that is refused."""
        try:
            (self._dir / "clear_refs").write_text("5")
            self.method = HWM_METHOD
        except OSError:
            self.method = SAMPLED_METHOD
            self._sampled_peak = self.rss()
            self._stop.clear()
            self._thread = threading.Thread(target=self._sample, name="edgebench-rss",
                                            daemon=True)
            self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(self._interval):
            self._sampled_peak = max(self._sampled_peak, self.rss())

    def stop(self) -> int:
        """Stop and return the peak resident set size in bytes since ``start``."""
        now = self._read()
        if self._thread is None:
            return max(now.get("VmHWM", 0), now.get("VmRSS", 0))
        self._stop.set()
        self._thread.join()
        self._thread = None
        return max(self._sampled_peak, now.get("VmRSS", 0))
