"""``edgebench doctor`` (compare ``pyperf system show``): what on this host threatens
reproducible numbers, each finding with what to do about it.

Checks (:mod:`bench.device.hostchecks`): virtualisation (the hypervisor flag) and steal
time (``/proc/stat``), the CPU governor, boost, SMT, the load average and other busy
processes, transparent huge pages, the thermal state, memory pressure and battery power.
Steal time and busy processes need a time window: :class:`Watch` reads the counters when it
is made and again in :meth:`Watch.findings`, so ``edgebench run`` records what was true
*during* the run (``Report.doctor``), and ``edgebench doctor`` samples one second.

Everything is read under ``EDGEBENCH_SYSFS_ROOT`` (default ``/``): tests point it at a fake
tree. The calibration part of the command (fresh processes at each thread count) is
:func:`bench.measure.calibrate.calibrate`; this module only reads the host.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from bench.device import hostchecks as checks
from bench.device.affinity import usable_cpus
from bench.device.collectors.base import sysfs_root
from bench.result.processes import DoctorFinding


def _own_pids(root: Path) -> set[int]:
    """This process and everything below it (its workers)."""
    me = os.getpid()
    tree = checks.process_times(root)
    own, grew = {me}, True
    while grew:
        grew = False
        for pid, (_, ppid, _) in tree.items():
            if ppid in own and pid not in own:
                own.add(pid)
                grew = True
    return own


class Watch:
    """The counters at one moment; :meth:`findings` reads them again and judges."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else sysfs_root()
        self.started = time.monotonic()
        self.cpu = checks.CpuTimes.read(self.root)
        self.processes = checks.process_times(self.root)

    def findings(self) -> list[DoctorFinding]:
        """Every check, steal time and busy processes over the time since the watch began."""
        root = self.root
        seconds = time.monotonic() - self.started
        own = _own_pids(root) if root == Path("/") else {os.getpid()}
        return [
            checks.virtualisation(root),
            checks.steal(self.cpu, checks.CpuTimes.read(root)),
            checks.governor(root),
            checks.boost(root),
            checks.smt(root),
            checks.load(root, usable_cpus()),
            checks.busy(self.processes, checks.process_times(root), seconds, own),
            checks.huge_pages(root),
            checks.thermal(root),
            checks.memory(root),
            checks.battery(root),
        ]


def examine(window_s: float = 1.0, root: Path | None = None) -> list[DoctorFinding]:
    """The host's findings over a window of ``window_s`` seconds (blocking, not spinning)."""
    watch = Watch(root)
    threading.Event().wait(window_s)
    return watch.findings()


def threats(findings: list[DoctorFinding]) -> list[DoctorFinding]:
    return [f for f in findings if f.status == "warn"]
