"""The CPU collector over a fake /proc tree, and its arithmetic by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.device.collectors.cpu import CpuCollector, summarize_cpu


def test_summarize_by_hand() -> None:
    # (wall s, process cpu s, busy ticks, total ticks)
    points = [(0.0, 0.0, 0, 0), (1.0, 0.5, 100, 200), (2.0, 2.0, 300, 400)]
    usage = summarize_cpu(points, 1.0)
    assert usage is not None
    assert usage.process_mean_pct == 100.0  # 2 cpu-s over 2 wall-s = one core
    assert usage.process_peak_pct == 150.0  # second interval: 1.5 cpu-s in 1 s
    assert usage.system_mean_pct == 75.0  # 300 busy of 400 ticks
    assert summarize_cpu(points[:1], 1.0) is None


def _write(root: Path, utime: int, stime: int, busy: int, idle: int) -> None:
    (root / "self").mkdir(parents=True, exist_ok=True)
    fields = ["S"] + ["0"] * 10 + [str(utime), str(stime)] + ["0"] * 30
    (root / "self" / "stat").write_text(f"4242 (python (x)) {' '.join(fields)}\n")
    (root / "stat").write_text(f"cpu  {busy} 0 0 {idle} 0 0 0 0 0 0\ncpu0 1 2 3 4\n")


def test_collector_reads_a_fake_proc(tmp_path: Path) -> None:
    _write(tmp_path, 100, 0, 1000, 1000)
    collector = CpuCollector(proc_root=tmp_path, interval_s=0.01, ticks_per_s=100)
    collector.start()
    _write(tmp_path, 150, 50, 1500, 1500)  # +1 cpu-s, +500 busy of +1000 ticks
    usage = collector.stop()
    assert usage is not None and usage.samples >= 2
    assert usage.system_mean_pct == pytest.approx(50.0)
    assert usage.process_mean_pct > 0


def test_collector_without_proc(tmp_path: Path) -> None:
    collector = CpuCollector(proc_root=tmp_path / "missing", interval_s=0.01)
    collector.start()
    assert collector.stop() is None
