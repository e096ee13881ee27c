"""Fingerprint of the machine: what a report must say about where it was measured."""

from __future__ import annotations

import platform
from functools import lru_cache
from pathlib import Path
from typing import Any

import psutil

from bench.device import session
from bench.device.collectors.battery import batteries
from bench.device.collectors.nvml import gpus, load_nvml
from bench.result.models import CpuFrequency, GpuInfo, HostInfo


@lru_cache(maxsize=1)
def _cpu_info() -> dict[str, Any]:
    import cpuinfo  # py-cpuinfo; imported late: it takes about a second to probe

    return dict(cpuinfo.get_cpu_info())


def _cpu_model() -> str:
    return str(_cpu_info().get("brand_raw") or platform.processor() or "unknown")


def _frequency() -> CpuFrequency | None:
    try:
        freq = psutil.cpu_freq()
    except (OSError, NotImplementedError, FileNotFoundError):
        return None
    if freq is None:
        return None
    return CpuFrequency(current=freq.current or None, min=freq.min or None,
                        max=freq.max or None)


def has_battery(root: Path | None = None) -> bool | None:
    """True/False from /sys/class/power_supply (or psutil elsewhere); None when unknown."""
    if batteries(root):
        return True
    if (root or Path("/")).joinpath("sys/class/power_supply").is_dir():
        return False
    sensor = getattr(psutil, "sensors_battery", None)
    return None if sensor is None else sensor() is not None


@lru_cache(maxsize=1)
def _gpus() -> tuple[GpuInfo, ...]:
    return tuple(gpus(load_nvml()))


def fingerprint() -> HostInfo:
    uname = platform.uname()
    return HostInfo(
        cpu_model=_cpu_model(),
        logical_cores=psutil.cpu_count(logical=True) or 1,
        physical_cores=psutil.cpu_count(logical=False),
        memory_bytes=psutil.virtual_memory().total,
        os=f"{uname.system} {uname.release}",
        kernel=uname.version,
        machine=uname.machine,
        python=platform.python_version(),
        onnxruntime=session.runtime_version(),
        providers=session.available_providers(),
        cpu_flags=sorted(str(f) for f in _cpu_info().get("flags", [])),
        cpu_freq_mhz=_frequency(),
        onnxruntime_build=session.build_info(),
        gpus=list(_gpus()),
        battery=has_battery(),
        affinity=sorted(psutil.Process().cpu_affinity() or []),
    )
