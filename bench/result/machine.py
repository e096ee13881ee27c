"""Where a report was measured: the harness, the host's fingerprint, the device profile,
and the limits applied when a smaller device was emulated."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bench.result.base import Record


class Harness(Record):
    name: Literal["edgebench"] = "edgebench"
    version: str


class CpuFrequency(Record):
    current: float | None = None
    min: float | None = None
    max: float | None = None


class GpuInfo(Record):
    index: int
    name: str
    memory_bytes: int | None = None
    driver: str | None = None


class HostInfo(Record):
    """Fingerprint of the machine a report was measured on."""

    cpu_model: str
    logical_cores: int
    physical_cores: int | None
    memory_bytes: int
    os: str = Field(description="operating system and release, e.g. 'Linux 6.1.0'")
    kernel: str
    machine: str = Field(description="architecture, e.g. x86_64")
    python: str
    onnxruntime: str
    providers: list[str] = Field(description="execution providers this onnxruntime offers")
    cpu_flags: list[str] = Field(default_factory=list, description="CPU feature flags (py-cpuinfo)")
    cpu_freq_mhz: CpuFrequency | None = None
    onnxruntime_build: dict[str, str] = Field(
        default_factory=dict, description="package, device and build info of onnxruntime")
    gpus: list[GpuInfo] = Field(default_factory=list, description="GPUs seen through NVML")
    battery: bool | None = Field(None, description="whether the host has a battery (None: "
                                                   "unknown)")
    affinity: list[int] = Field(default_factory=list,
                                description="CPU ids this process may run on")


class DeviceInfo(Record):
    name: str
    category: Literal["phone", "pc", "wearable", "all-in-one"]
    profile: str = Field(description="where the profile came from: 'built-in' or a file path")


class Emulation(Record):
    """Limits applied to emulate a smaller device on this host."""

    emulated: Literal[True] = True
    cores: list[int] | None = None
    memory_limit_bytes: int | None = None
    threads: int | None = None
