"""Temperatures over a run: ``/sys/class/thermal/thermal_zone*`` (``type``, ``temp`` in
millidegrees Celsius) under the root, or psutil's sensors on the real root."""

from __future__ import annotations

from pathlib import Path

import psutil

from bench.device.collectors.base import Sampler, sysfs_root
from bench.result.models import Temperature


def read_zones(root: Path) -> dict[str, float]:
    found: dict[str, float] = {}
    for zone in sorted((root / "sys/class/thermal").glob("thermal_zone*")):
        try:
            kind = (zone / "type").read_text().strip() or zone.name
            found[f"{kind}-{zone.name.removeprefix('thermal_zone')}"] = (
                int((zone / "temp").read_text()) / 1000.0)
        except (OSError, ValueError):
            continue
    return found


def read_psutil() -> dict[str, float]:
    read = getattr(psutil, "sensors_temperatures", None)
    found: dict[str, float] = {}
    for chip, entries in (read() if read else {}).items():
        for index, entry in enumerate(entries):
            found[f"{chip}-{entry.label or index}"] = float(entry.current)
    return found


class TemperatureCollector:
    kind = "temperature"

    def __init__(self, root: Path | None = None, interval_s: float = 1.0) -> None:
        self.root = root or sysfs_root()
        self.sampler = Sampler(self.sample, interval_s)
        self.series: dict[str, list[float]] = {}

    def read(self) -> dict[str, float]:
        zones = read_zones(self.root)
        return zones if zones or self.root != Path("/") else read_psutil()

    def unavailable(self) -> str | None:
        return None if self.read() else "no temperature sensor (thermal zones or hwmon)"

    def start(self) -> None:
        self.series = {}
        self.sampler.start()

    def sample(self) -> None:
        for name, value in self.read().items():
            self.series.setdefault(name, []).append(value)

    def stop(self) -> dict[str, Temperature]:
        self.sampler.stop()
        return {name: Temperature(start=s[0], max=max(s), end=s[-1])
                for name, s in self.series.items() if s}
