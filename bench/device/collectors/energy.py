"""Energy figures of one workload, from whichever sources this device offers.

Source order: an external meter when the profile names one (it sees the whole device);
otherwise RAPL and NVML together (CPU package + DRAM + GPUs, domains kept apart); otherwise
battery discharge. When none is readable the report says why, never a zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bench.device.collectors.base import EnergyReading
from bench.device.collectors.battery import BatteryCollector
from bench.device.collectors.meter import MeterCollector
from bench.device.collectors.nvml import NvmlCollector
from bench.device.collectors.rapl import RaplCollector
from bench.result.models import Energy
from bench.spec.device import EnergyMeter


def summarize_energy(readings: Sequence[EnergyReading], inferences: int) -> Energy:
    """Average power, energy per inference and inferences per joule over one window."""
    joules = {f"{r.source}:{domain}": j for r in readings for domain, j in r.joules.items()}
    total = sum(joules.values())
    window_s = max(r.window_ns for r in readings) / 1e9
    source = "+".join(r.source for r in readings)
    if total <= 0 or window_s <= 0 or inferences <= 0:
        return Energy(available=False, source=source, window_s=window_s, inferences=inferences,
                      reason=f"{source} counted no energy over the run", domains_j=joules)
    return Energy(
        available=True, source=source, energy_j=total, window_s=window_s,
        inferences=inferences, average_power_w=total / window_s,
        energy_per_inference_mj=total / inferences * 1e3,
        inferences_per_joule=inferences / total, domains_j=joules,
    )


def unavailable_energy(reasons: Sequence[str]) -> Energy:
    return Energy(available=False, reason="; ".join(reasons) or "no energy source")


def energy_sources(meter: EnergyMeter | None, root: Path | None = None,
                   nvml: object | None = None) -> tuple[list[object], list[str]]:
    """The readable sources in order of preference, and why the others are not."""
    reasons: list[str] = []
    if meter is not None:
        metered = MeterCollector(meter)
        why = metered.unavailable()
        if why is None:
            return [metered], []
        reasons.append(why)
    chosen: list[object] = []
    for source in (RaplCollector(root), NvmlCollector(nvml)):
        why = source.unavailable()
        chosen += [source] if why is None else []
        reasons += [why] if why is not None else []
    if chosen:
        return chosen, []
    battery = BatteryCollector(root)
    why = battery.unavailable()
    return ([battery], []) if why is None else ([], [*reasons, why])
