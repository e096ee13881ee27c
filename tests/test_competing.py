"""The competing-load sign of instability: each process's CPU wait (run-queue delay from
schedstat), the rule over those waits, and what a result says when it trips."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.device.collectors.cpu import CpuCollector, wait_pct
from bench.measure.merge import stability_of
from bench.stats.processes import competing

SCHEDSTAT = Path("/proc/self/schedstat").exists()


def test_competing_names_the_processes_that_waited_more_than_the_gap() -> None:
    assert competing([0.5, 49.0, 0.3, 51.0, None]) == [1, 3]
    assert competing([0.0, 10.0]) == []  # exactly the gap: not more
    assert competing([0.0, 10.5]) == [1]
    assert competing([50.0, None]) == []  # one known wait: nothing to compare
    assert competing([]) == []


def test_wait_pct_is_delay_over_wall_time() -> None:
    assert wait_pct((10.0, 1_000), (12.0, 1_000 + 500_000_000)) == pytest.approx(25.0)
    assert wait_pct((10.0, 0), (10.0, 5)) is None


def test_a_result_whose_processes_waited_unevenly_is_unstable_and_says_which() -> None:
    values = [1.00, 1.01, 0.99, 1.02, 1.00]  # the headlines agree
    quiet = stability_of(values, [0.02] * 5, [0.4, 0.6, 0.2, 0.5, 0.3])
    assert quiet.verdict == "stable"
    busy = stability_of(values, [0.02] * 5, [0.4, 48.0, 0.2, 52.0, 0.3], [1, 2, 3, 4, 5])
    assert busy.verdict == "unstable"
    assert "process 2 (48%), 4 (52%)" in busy.reason
    assert busy.waits == [0.4, 48.0, 0.2, 52.0, 0.3]
    assert stability_of([1.0], [0.02], [50.0]).verdict == "unknown"


def _spin_measured(seconds: float) -> float | None:
    collector = CpuCollector()
    collector.start()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    usage = collector.stop()
    assert usage is not None
    return usage.process_wait_pct


@pytest.mark.skipif(not SCHEDSTAT, reason="no /proc/<pid>/schedstat on this kernel")
def test_the_collector_sees_a_busy_loop_sharing_the_cpu() -> None:
    before = os.sched_getaffinity(0)
    cpu = min(before)
    os.sched_setaffinity(0, {cpu})
    try:
        quiet = _spin_measured(0.6)
        loop = subprocess.Popen(
            [sys.executable, "-c", f"import os; os.sched_setaffinity(0, {{{cpu}}})\n"
             "while True: pass"])
        try:
            time.sleep(0.2)  # the loop is pinned and spinning
            busy = _spin_measured(0.6)
        finally:
            loop.kill()
            loop.wait()
    finally:
        os.sched_setaffinity(0, before)
    assert quiet is not None and busy is not None
    assert busy > quiet + 20.0, (quiet, busy)  # about 50 % when two share a core
