"""An external power meter: a command that prints watts, or a CSV file another tool appends.

``command``: run once per sample (blocking, never spinning); its stdout's last number is
the device's power in watts. ``csv``: the file's last complete line is read each sample; the
``column`` (by header name) holds watts. Samples are integrated with the trapezoid rule.
"""

from __future__ import annotations

import csv
import io
import subprocess
import time
from pathlib import Path

from bench.device.collectors.base import EnergyReading, Sampler, integrate_watts
from bench.spec.device import EnergyMeter


def read_csv_watts(path: Path, column: str) -> float | None:
    """Watts from the last complete row of ``path`` (header on the first line)."""
    try:
        text = path.read_text()
    except OSError:
        return None
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in reversed(rows):
        value = row.get(column)
        if value not in (None, ""):
            try:
                return float(value)
            except ValueError:
                return None
    return None


def run_command_watts(argv: list[str], timeout_s: float = 5.0) -> float | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    words = done.stdout.split()
    try:
        return float(words[-1]) if done.returncode == 0 and words else None
    except ValueError:
        return None


class MeterCollector:
    kind = "energy"

    def __init__(self, meter: EnergyMeter) -> None:
        self.meter = meter
        self.sampler = Sampler(self.sample, meter.interval_s)
        self.samples: list[tuple[int, float]] = []

    def _watts(self) -> float | None:
        if self.meter.command:
            return run_command_watts(self.meter.command)
        if self.meter.csv:
            return read_csv_watts(Path(self.meter.csv), self.meter.column)
        return None

    def unavailable(self) -> str | None:
        if not self.meter.command and not self.meter.csv:
            return "energy_meter: give a command or a csv file"
        if self._watts() is None:
            what = " ".join(self.meter.command) if self.meter.command else self.meter.csv
            return f"energy meter {what!r} gave no reading in watts"
        return None

    def start(self) -> None:
        self.samples = []
        self.sampler.start()

    def sample(self) -> None:
        watts = self._watts()
        if watts is not None:
            self.samples.append((time.perf_counter_ns(), watts))

    def stop(self) -> EnergyReading:
        window = self.sampler.stop()
        return EnergyReading("meter", {"meter": integrate_watts(self.samples)}, window)
