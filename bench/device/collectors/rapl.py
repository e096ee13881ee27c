"""Intel/AMD RAPL energy counters through ``/sys/class/powercap``.

Each zone ``intel-rapl:N`` (``name``: ``package-N``) and sub-zone ``intel-rapl:N:M``
(``name``: ``dram``, ``core``, ...) has ``energy_uj``, a counter in microjoules that wraps to
0 after ``max_energy_range_uj``. The counter is sampled often enough (every second by
default: a package at 100 W wraps a 2^32 uJ counter in 43 s, the usual 2^38 range in 45
minutes) and a sample lower than the previous one counts as one wrap:
``delta = max_energy_range_uj - previous + now``. Counted domains: every ``package-*`` and
``dram`` (``core``/``uncore`` are inside the package, ``psys`` overlaps everything).
Since Linux 5.10 ``energy_uj`` is readable by root only; the collector says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.device.collectors.base import EnergyReading, Sampler, sysfs_root

COUNTED = ("package", "dram")


@dataclass
class _Zone:
    name: str
    counter: Path
    max_range: int
    last: int = 0
    total_uj: int = 0


def counter_delta(previous: int, now: int, max_range: int) -> int:
    """Microjoules between two readings of a counter that wraps after ``max_range``."""
    return now - previous if now >= previous else max_range - previous + now


class RaplCollector:
    kind = "energy"

    def __init__(self, root: Path | None = None, interval_s: float = 1.0) -> None:
        self.base = (root or sysfs_root()) / "sys/class/powercap"
        self.sampler = Sampler(self.sample, interval_s)
        self.zones: list[_Zone] = []

    def _find(self) -> list[_Zone]:
        zones = []
        for folder in sorted(self.base.glob("intel-rapl:*")):
            name = (folder / "name").read_text().strip()
            if not name.startswith(COUNTED):
                continue
            key = name if name.startswith("package") else f"{name}-{folder.name.split(':')[1]}"
            zones.append(_Zone(key, folder / "energy_uj",
                               int((folder / "max_energy_range_uj").read_text())))
        return zones

    def unavailable(self) -> str | None:
        if not self.base.is_dir():
            return f"no RAPL: {self.base} does not exist"
        try:
            zones = self._find()
            for zone in zones:
                int(zone.counter.read_text())
        except PermissionError as exc:
            return (f"RAPL counters are not readable ({exc.filename}); since Linux 5.10 "
                    "energy_uj is root-only: run as root or grant read access")
        except (OSError, ValueError) as exc:
            return f"RAPL counters could not be read: {exc}"
        return None if zones else f"no package or dram zone under {self.base}"

    def start(self) -> None:
        self.zones = self._find()
        for zone in self.zones:
            zone.last = int(zone.counter.read_text())
            zone.total_uj = 0
        self.sampler.start()

    def sample(self) -> None:
        for zone in self.zones:
            now = int(zone.counter.read_text())
            zone.total_uj += counter_delta(zone.last, now, zone.max_range)
            zone.last = now

    def stop(self) -> EnergyReading:
        window = self.sampler.stop()
        joules: dict[str, float] = {}
        for zone in self.zones:
            joules[zone.name] = joules.get(zone.name, 0.0) + zone.total_uj / 1e6
        return EnergyReading("rapl", joules, window)
