"""NVIDIA GPU power and memory through NVML (the ``nvidia-ml-py`` package, ``pynvml``).

The NVML binding is the source: tests pass a fake object with the same functions. Power
(``nvmlDeviceGetPowerUsage``, milliwatts) is sampled and integrated; device memory in use
(``nvmlDeviceGetMemoryInfo(...).used``) is sampled for its peak.
"""

from __future__ import annotations

import time
from types import ModuleType
from typing import Any

from bench.device.collectors.base import EnergyReading, Sampler, integrate_watts
from bench.result.models import GpuInfo


def load_nvml() -> Any | None:
    """The ``pynvml`` module, initialised, or None when NVML or a driver is absent."""
    try:
        import pynvml
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
    except Exception:  # pynvml raises NVMLError_* subclasses of its own Exception
        return None
    return pynvml


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def gpus(nvml: ModuleType | Any | None) -> list[GpuInfo]:
    """Name, memory and driver of every GPU NVML sees (empty without NVML)."""
    if nvml is None:
        return []
    driver = _text(nvml.nvmlSystemGetDriverVersion())
    found = []
    for index in range(nvml.nvmlDeviceGetCount()):
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        found.append(GpuInfo(index=index, name=_text(nvml.nvmlDeviceGetName(handle)),
                             memory_bytes=int(nvml.nvmlDeviceGetMemoryInfo(handle).total),
                             driver=driver))
    return found


class NvmlCollector:
    kind = "energy"

    def __init__(self, nvml: Any | None = None, interval_s: float = 0.1,
                 loader: Any = load_nvml) -> None:
        self.nvml = nvml if nvml is not None else loader()
        self.sampler = Sampler(self.sample, interval_s)
        self.samples: dict[int, list[tuple[int, float]]] = {}
        self.peak_memory_bytes = 0

    def unavailable(self) -> str | None:
        if self.nvml is None:
            return "no NVML: nvidia-ml-py not installed or no NVIDIA driver"
        return None if self.nvml.nvmlDeviceGetCount() > 0 else "NVML sees no GPU"

    def start(self) -> None:
        self.samples = {i: [] for i in range(self.nvml.nvmlDeviceGetCount())}
        self.peak_memory_bytes = 0
        self.sampler.start()

    def sample(self) -> None:
        now = time.perf_counter_ns()
        used = 0
        for index, series in self.samples.items():
            handle = self.nvml.nvmlDeviceGetHandleByIndex(index)
            series.append((now, self.nvml.nvmlDeviceGetPowerUsage(handle) / 1000.0))
            used += int(self.nvml.nvmlDeviceGetMemoryInfo(handle).used)
        self.peak_memory_bytes = max(self.peak_memory_bytes, used)

    def stop(self) -> EnergyReading:
        window = self.sampler.stop()
        return EnergyReading("nvml", {f"gpu-{i}": integrate_watts(s)
                                      for i, s in self.samples.items()}, window)
