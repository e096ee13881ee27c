"""The checks of ``edgebench doctor``, each reading ``/proc`` and ``/sys`` under a root (``/``,
or ``EDGEBENCH_SYSFS_ROOT``, or a test's fake tree) and returning one finding: what on this
host threatens reproducible numbers, and what to do about it. Pure reads, no side effects.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.result.processes import DoctorFinding

STEAL_WARN = 0.01  # 1 % of CPU time taken by the hypervisor
BUSY_WARN_PCT = 10.0  # another process using this much of one core
HOT_MARGIN_C = 10.0  # this close to a passive trip point: warm enough to throttle soon


def _read(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace").strip()
    except OSError:
        return None


def finding(check: str, warn: bool | None, detail: str, advice: str = "") -> DoctorFinding:
    """``warn`` None: could not tell (info)."""
    status = "info" if warn is None else ("warn" if warn else "ok")
    return DoctorFinding(check=check, status=status, detail=detail,
                         advice=advice if warn or warn is None else "")


@dataclass(frozen=True)
class CpuTimes:
    """The machine's CPU time counters from ``/proc/stat`` (clock ticks)."""

    total: int
    steal: int

    @classmethod
    def read(cls, root: Path) -> CpuTimes | None:
        text = _read(root / "proc" / "stat")
        if not text or not text.startswith("cpu "):
            return None
        fields = [int(v) for v in text.splitlines()[0].split()[1:]]
        steal = fields[7] if len(fields) > 7 else 0
        return cls(total=sum(fields[:8]), steal=steal)


def process_times(root: Path) -> dict[int, tuple[str, int, int]]:
    """pid -> (name, parent pid, utime + stime in clock ticks) for every process."""
    found: dict[int, tuple[str, int, int]] = {}
    try:
        entries = list((root / "proc").iterdir())
    except OSError:
        return found
    for entry in entries:
        if not entry.name.isdigit():
            continue
        text = _read(entry / "stat")
        if not text or ")" not in text:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        rest = text[text.rindex(")") + 2:].split()
        try:
            found[int(entry.name)] = (name, int(rest[1]), int(rest[11]) + int(rest[12]))
        except (IndexError, ValueError):
            continue
    return found


def virtualisation(root: Path) -> DoctorFinding:
    cpuinfo = _read(root / "proc" / "cpuinfo") or ""
    flags = next((line.split(":", 1)[1].split() for line in cpuinfo.splitlines()
                  if line.startswith("flags")), [])
    vendor = _read(root / "sys" / "class" / "dmi" / "id" / "sys_vendor") or ""
    if "hypervisor" in flags:
        return finding("virtualisation", True, f"a virtual machine ({vendor or 'hypervisor flag'})",
                       "other guests share the physical cores: compare runs only on the same "
                       "instance type, and watch steal time")
    return finding("virtualisation", False, "bare metal (no hypervisor flag)")


def steal(before: CpuTimes | None, after: CpuTimes | None) -> DoctorFinding:
    if before is None or after is None or after.total <= before.total:
        return finding("steal time", None, "not measured (no /proc/stat window)",
                       "run 'edgebench doctor' to sample it")
    share = (after.steal - before.steal) / (after.total - before.total)
    return finding("steal time", share > STEAL_WARN, f"{share:.1%} of CPU time went to the "
                   "hypervisor", "the host is oversubscribed: move to a dedicated instance "
                   "or run when it is quiet")


def governor(root: Path) -> DoctorFinding:
    cpus = root / "sys" / "devices" / "system" / "cpu"
    found = sorted({_read(p) or "" for p in cpus.glob("cpu[0-9]*/cpufreq/scaling_governor")})
    if not found:
        return finding("cpu governor", None, "no cpufreq governor exposed (a VM, or no driver)",
                       "on real hardware set the 'performance' governor (cpupower "
                       "frequency-set -g performance)")
    return finding("cpu governor", found != ["performance"], ", ".join(found),
                   "set the 'performance' governor: cpupower frequency-set -g performance")


def boost(root: Path) -> DoctorFinding:
    cpu = root / "sys" / "devices" / "system" / "cpu"
    generic, no_turbo = _read(cpu / "cpufreq" / "boost"), _read(cpu / "intel_pstate" / "no_turbo")
    if generic is None and no_turbo is None:
        return finding("boost", None, "no boost control exposed",
                       "turbo/boost changes clocks with temperature and load: disable it "
                       "in the firmware for steadier numbers")
    on = generic == "1" if generic is not None else no_turbo == "0"
    return finding("boost", on, "turbo/boost on" if on else "turbo/boost off",
                   "echo 0 > /sys/devices/system/cpu/cpufreq/boost (or 1 > "
                   "intel_pstate/no_turbo)")


def smt(root: Path) -> DoctorFinding:
    active = _read(root / "sys" / "devices" / "system" / "cpu" / "smt" / "active")
    if active is None:
        return finding("smt", None, "SMT state not exposed")
    return finding("smt", active == "1", "SMT (hyper-threading) on" if active == "1"
                   else "SMT off", "two hardware threads share one core's units: pin to "
                   "one thread per core (--emulate with a profile's cores) or disable SMT")


def load(root: Path, cpus: int) -> DoctorFinding:
    text = _read(root / "proc" / "loadavg")
    if not text:
        return finding("load average", None, "no /proc/loadavg")
    one = float(text.split()[0])
    return finding("load average", one > 0.5 * cpus, f"{one:.2f} over the last minute on "
                   f"{cpus} CPUs", "other work competes for the CPUs: stop it, or run when "
                   "the machine is idle")


def busy(before: Mapping[int, tuple[str, int, int]], after: Mapping[int, tuple[str, int, int]],
         seconds: float, own: set[int]) -> DoctorFinding:
    """Processes other than ours (``own``: this process and its children) that used more
    than ``BUSY_WARN_PCT`` of one core between two readings ``seconds`` apart."""
    if seconds <= 0:
        return finding("busy processes", None, "not measured (no time window)")
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    hot = []
    for pid, (name, ppid, t1) in after.items():
        if pid in own or ppid in own or pid not in before:
            continue
        pct = (t1 - before[pid][2]) / ticks / seconds * 100
        if pct > BUSY_WARN_PCT:
            hot.append((pct, f"{name} (pid {pid}) {pct:.0f}%"))
    hot.sort(reverse=True)
    listed = ", ".join(text for _, text in hot[:5])
    return finding("busy processes", bool(hot), listed or "none above "
                   f"{BUSY_WARN_PCT:g}% of a core", "stop them while benchmarking")


def huge_pages(root: Path) -> DoctorFinding:
    text = _read(root / "sys" / "kernel" / "mm" / "transparent_hugepage" / "enabled")
    if text is None:
        return finding("transparent huge pages", None, "not exposed")
    mode = text[text.index("[") + 1:text.index("]")] if "[" in text else text
    return finding("transparent huge pages", mode == "always", f"mode {mode}",
                   "compaction can stall a query: echo madvise > "
                   "/sys/kernel/mm/transparent_hugepage/enabled")


def thermal(root: Path) -> DoctorFinding:
    zones = sorted((root / "sys" / "class" / "thermal").glob("thermal_zone*"))
    readings = []
    for zone in zones:
        temp = _read(zone / "temp")
        if temp is None or not temp.lstrip("-").isdigit():
            continue
        celsius = int(temp) / 1000
        trips = []
        for kind in zone.glob("trip_point_*_type"):
            trip = _read(zone / kind.name.replace("_type", "_temp")) or ""
            if _read(kind) == "passive" and trip.isdigit():
                trips.append(int(trip) / 1000)
        hot = bool(trips) and celsius >= min(trips) - HOT_MARGIN_C
        readings.append((hot, f"{_read(zone / 'type') or zone.name} {celsius:.0f} C"))
    if not readings:
        return finding("thermal", None, "no thermal zones exposed")
    return finding("thermal", any(h for h, _ in readings), ", ".join(t for _, t in readings),
                   "near a passive trip point the device throttles: let it cool, improve "
                   "cooling, or run --sustained to see it")


def memory(root: Path) -> DoctorFinding:
    info = dict(line.split(":", 1) for line in (_read(root / "proc" / "meminfo") or ""
                                                ).splitlines() if ":" in line)
    pressure = _read(root / "proc" / "pressure" / "memory") or ""
    some = next((float(part.split("=")[1]) for part in pressure.split()
                 if part.startswith("avg10=")), None)
    try:
        avail = int(info["MemAvailable"].split()[0]) / int(info["MemTotal"].split()[0])
    except (KeyError, ValueError, ZeroDivisionError):
        return finding("memory pressure", None, "no /proc/meminfo")
    stalled = some is not None and some > 1.0
    detail = f"{avail:.0%} of memory available" + (
        f", stalls {some:.1f}% (PSI avg10)" if some is not None else "")
    return finding("memory pressure", avail < 0.1 or stalled, detail,
                   "free memory: reclaim and swapping slow the run down")


def battery(root: Path) -> DoctorFinding:
    supplies = sorted((root / "sys" / "class" / "power_supply").glob("*"))
    bats = [s for s in supplies if _read(s / "type") == "Battery"]
    if not bats:
        return finding("battery", False, "no battery (mains power)")
    status = {_read(b / "status") or "unknown" for b in bats}
    return finding("battery", "Discharging" in status, "battery " + ", ".join(sorted(status)),
                   "on battery the OS saves power by lowering clocks: plug in")
