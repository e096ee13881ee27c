"""The collectors a profile asks for, started before a scenario and stopped after it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.device.collectors.energy import energy_sources, summarize_energy, unavailable_energy
from bench.device.collectors.nvml import NvmlCollector
from bench.device.collectors.temperature import TemperatureCollector
from bench.result.models import Energy, Temperature
from bench.spec.device import EnergyMeter


@dataclass(frozen=True)
class BesideResult:
    energy: Energy | None = None
    temperature_c: dict[str, Temperature] = field(default_factory=dict)
    gpu_peak_memory_bytes: int | None = None


class Beside:
    """Runs the ``energy`` and ``temperature`` collectors beside one scenario call."""

    def __init__(self, wanted: Sequence[str], meter: EnergyMeter | None = None,
                 root: Path | None = None, nvml: Any | None = None) -> None:
        self.sources: list[Any] = []
        self.reasons: list[str] = []
        self.energy_wanted = "energy" in wanted
        if self.energy_wanted:
            self.sources, self.reasons = energy_sources(meter, root, nvml)
        self.thermal = TemperatureCollector(root) if "temperature" in wanted else None
        if self.thermal is not None and self.thermal.unavailable() is not None:
            self.thermal = None

    def start(self) -> None:
        for source in self.sources:
            source.start()
        if self.thermal is not None:
            self.thermal.start()

    def stop(self, inferences: int) -> BesideResult:
        readings = [source.stop() for source in self.sources]
        temps = self.thermal.stop() if self.thermal is not None else {}
        energy = None
        if self.energy_wanted:
            energy = (summarize_energy(readings, inferences) if readings
                      else unavailable_energy(self.reasons))
        gpu = next((s.peak_memory_bytes for s in self.sources if isinstance(s, NvmlCollector)),
                   None)
        return BesideResult(energy, temps, gpu)
