"""The memory collector against a fake /proc tree and against the real one."""

from __future__ import annotations

import mmap
from pathlib import Path

import pytest

from bench.device.collectors.memory import HWM_METHOD, SAMPLED_METHOD, MemoryCollector


def _status(rss_kb: int, hwm_kb: int) -> str:
    return f"Name:\tpython\nVmHWM:\t  {hwm_kb} kB\nVmRSS:\t  {rss_kb} kB\nThreads:\t3\n"


def test_reads_hwm_after_reset(tmp_path: Path) -> None:
    proc = tmp_path / "self"
    proc.mkdir()
    (proc / "clear_refs").write_text("")
    (proc / "status").write_text(_status(1000, 1000))
    collector = MemoryCollector(proc_root=tmp_path)
    collector.start()
    assert (proc / "clear_refs").read_text() == "5"
    assert collector.rss() == 1000 * 1024
    (proc / "status").write_text(_status(1200, 4096))
    assert collector.stop() == 4096 * 1024
    assert collector.method == HWM_METHOD


def test_samples_when_reset_is_refused(tmp_path: Path) -> None:
    proc = tmp_path / "self"
    proc.mkdir()
    (proc / "clear_refs").mkdir()  # writing to a directory fails: the reset is refused
    (proc / "status").write_text(_status(2000, 9999))
    collector = MemoryCollector(proc_root=tmp_path, interval_s=0.001)
    collector.start()
    assert collector.method == SAMPLED_METHOD
    (proc / "status").write_text(_status(3000, 9999))
    import time
    time.sleep(0.05)
    (proc / "status").write_text(_status(2500, 9999))
    peak = collector.stop()
    assert peak == 3000 * 1024  # the sampled maximum, never the lifetime VmHWM


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_real_process_sees_an_allocation() -> None:
    collector = MemoryCollector()
    collector.start()
    before = collector.rss()
    # an anonymous mapping of its own: a bytearray may reuse freed heap pages that are
    # still resident (after earlier tests in this process), and add nothing to VmRSS
    block = mmap.mmap(-1, 64 * 2**20)
    for offset in range(0, len(block), 4096):  # touch every page
        block[offset] = 1
    peak = collector.stop()
    block.close()
    assert peak >= before + 60 * 2**20
