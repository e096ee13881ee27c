"""CPU utilisation over one run, sampled by a thread from ``/proc`` (Linux).

What the figures mean:

- process %: this process's user + system CPU time (``/proc/<pid>/stat`` fields 14-15,
  utime + stime, in clock ticks) gained over an interval, divided by the interval's wall
  time, in % of ONE core (``top``'s %CPU: 200 % = two cores busy). ``process_mean_pct`` is
  over the whole run (first to last sample), ``process_peak_pct`` the busiest interval.
- system %: the machine's non-idle time (``/proc/stat`` first line: every field but idle
  and iowait) over all its time in the same interval, in % of ALL cores.

- wait %: the time this process's threads were ready to run but waited for a CPU (the
  run-queue delay, second field of ``/proc/<pid>/task/*/schedstat``, in ns) gained over
  the run, over its wall time, in % of one core. Another process competing for the CPUs
  shows here (a busy loop sharing the core: about 50 %); a slower host under a
  hypervisor does not (its time is not the guest's run queue). None without schedstat.

The thread sleeps between samples (``Event.wait``, 100 ms by default) and reads two small
files, so it costs the timed loop a few microseconds every 100 ms. ``proc_root`` lets tests
point it at a fake tree.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from bench.result.figures import CpuUsage

METHOD = ("utime+stime of /proc/<pid>/stat over wall time (% of one core); "
          "/proc/stat non-idle share (% of all cores); wait: run-queue delay of "
          "/proc/<pid>/task/*/schedstat over wall time (% of one core)")


class CpuCollector:
    def __init__(self, proc_root: Path = Path("/proc"), pid: str = "self",
                 interval_s: float = 0.1, ticks_per_s: int | None = None) -> None:
        self._stat = proc_root / pid / "stat"
        self._system = proc_root / "stat"
        self._interval = interval_s
        self._hz = ticks_per_s or os.sysconf("SC_CLK_TCK")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._points: list[tuple[float, float, float, float]] = []
        self._tasks = proc_root / pid / "task"
        self._wait_start: tuple[float, int] | None = None

    def _waited(self) -> tuple[float, int] | None:
        """(wall s, run-queue delay ns summed over this process's threads), or None."""
        total, found = 0, False
        try:
            tasks = list(self._tasks.iterdir())
        except OSError:
            return None
        for task in tasks:
            try:
                total += int((task / "schedstat").read_text().split()[1])
                found = True
            except (OSError, IndexError, ValueError):
                continue  # a thread that ended meanwhile, or no schedstat
        return (time.monotonic(), total) if found else None

    def _read(self) -> tuple[float, float, float, float] | None:
        """(wall s, process cpu s, system busy ticks, system total ticks), or None."""
        try:
            proc = self._stat.read_text()
            system = self._system.read_text().splitlines()[0].split()[1:]
        except (OSError, IndexError):
            return None
        fields = proc[proc.rindex(")") + 2:].split()  # after "pid (comm) "
        cpu_s = (int(fields[11]) + int(fields[12])) / self._hz  # utime, stime
        ticks = [int(x) for x in system]
        idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
        return time.monotonic(), cpu_s, float(sum(ticks) - idle), float(sum(ticks))

    def _sample(self) -> None:
        while not self._stop.wait(self._interval):
            point = self._read()
            if point is not None:
                self._points.append(point)

    def start(self) -> None:
        self._wait_start = self._waited()
        first = self._read()
        self._points = [first] if first is not None else []
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, name="edgebench-cpu", daemon=True)
        self._thread.start()

    def stop(self) -> CpuUsage | None:
        """Stop sampling; None where /proc cannot be read (or no interval completed)."""
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
        last = self._read()
        points = self._points + ([last] if last is not None else [])
        usage = summarize_cpu(points, self._interval)
        end = self._waited()
        if usage is None or end is None or self._wait_start is None:
            return usage
        return usage.model_copy(update={"process_wait_pct": wait_pct(self._wait_start, end)})


def wait_pct(start: tuple[float, int], end: tuple[float, int]) -> float | None:
    """Run-queue delay gained between two (wall s, delay ns) readings, in % of one core
    of the wall time between them."""
    wall = end[0] - start[0]
    if wall <= 0:
        return None
    return max(0.0, 100.0 * (end[1] - start[1]) / 1e9 / wall)


def summarize_cpu(points: list[tuple[float, float, float, float]],
                  interval_s: float) -> CpuUsage | None:
    """Pure arithmetic over (wall s, process cpu s, busy ticks, total ticks) samples."""
    if len(points) < 2:
        return None
    rates = []
    for (w0, c0, _, _), (w1, c1, _, _) in zip(points, points[1:]):
        if w1 > w0:
            rates.append(100.0 * (c1 - c0) / (w1 - w0))
    first, last = points[0], points[-1]
    wall = last[0] - first[0]
    total = last[3] - first[3]
    return CpuUsage(
        process_mean_pct=100.0 * (last[1] - first[1]) / wall if wall > 0 else 0.0,
        process_peak_pct=max(rates) if rates else 0.0,
        system_mean_pct=100.0 * (last[2] - first[2]) / total if total > 0 else 0.0,
        interval_s=interval_s, samples=len(points), method=METHOD)
