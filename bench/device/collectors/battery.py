"""Battery discharge through ``/sys/class/power_supply/BAT*``.

Only meaningful while the device runs on battery (``status`` is ``Discharging``): then the
whole device's draw is ``power_now`` (microwatts; or ``current_now`` x ``voltage_now``),
sampled and integrated. On mains power the battery tells nothing about the run.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.device.collectors.base import (
    EnergyReading,
    Sampler,
    integrate_watts,
    sysfs_root,
)


def batteries(root: Path | None = None) -> list[Path]:
    base = (root or sysfs_root()) / "sys/class/power_supply"
    return [p for p in sorted(base.glob("*")) if _read(p / "type") == "Battery"]


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def battery_watts(folder: Path) -> float | None:
    power = _read(folder / "power_now")
    if power is not None:
        return int(power) / 1e6
    current, voltage = _read(folder / "current_now"), _read(folder / "voltage_now")
    if current is not None and voltage is not None:
        return int(current) * int(voltage) / 1e12
    return None


class BatteryCollector:
    kind = "energy"

    def __init__(self, root: Path | None = None, interval_s: float = 1.0) -> None:
        self.root = root
        self.sampler = Sampler(self.sample, interval_s)
        self.samples: list[tuple[int, float]] = []
        self.folder: Path | None = None

    def unavailable(self) -> str | None:
        found = batteries(self.root)
        if not found:
            return "no battery under /sys/class/power_supply"
        if _read(found[0] / "status") != "Discharging":
            return f"battery {found[0].name} is not discharging (on mains power)"
        if battery_watts(found[0]) is None:
            return f"battery {found[0].name} reports neither power_now nor current_now"
        return None

    def start(self) -> None:
        self.folder = batteries(self.root)[0]
        self.samples = []
        self.sampler.start()

    def sample(self) -> None:
        watts = battery_watts(self.folder) if self.folder else None
        if watts is not None:
            self.samples.append((time.perf_counter_ns(), watts))

    def stop(self) -> EnergyReading:
        window = self.sampler.stop()
        return EnergyReading("battery", {"battery": integrate_watts(self.samples)}, window)
