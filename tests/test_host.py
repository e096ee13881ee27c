"""The host fingerprint: real facts of this machine; GPUs and batteries from fake sources."""

from __future__ import annotations

from pathlib import Path

import psutil

from bench.device import host
from bench.device.collectors.nvml import gpus
from bench.result.models import HostInfo
from tests.test_collectors import battery, fake_nvml


def test_fingerprint_has_cpu_runtime_and_affinity() -> None:
    info = host.fingerprint()
    assert isinstance(info, HostInfo)
    assert info.cpu_model and info.logical_cores >= 1
    assert "CPUExecutionProvider" in info.providers
    assert info.onnxruntime_build["package"].startswith("onnxruntime")
    assert info.affinity == sorted(psutil.Process().cpu_affinity())
    if info.machine in ("x86_64", "AMD64"):
        assert "sse2" in info.cpu_flags


def test_battery_presence_from_a_fake_tree(tmp_path: Path) -> None:
    assert host.has_battery(tmp_path / "nowhere") in (None, False, True)
    (tmp_path / "sys/class/power_supply").mkdir(parents=True)
    assert host.has_battery(tmp_path) is False
    battery(tmp_path, "Full")
    assert host.has_battery(tmp_path) is True


def test_gpus_go_into_the_fingerprint_record() -> None:
    info = host.fingerprint().model_copy(update={"gpus": gpus(fake_nvml([1], [1]))})
    data = HostInfo.model_validate(info.model_dump())
    assert data.gpus[0].name == "NVIDIA Fake 4090"
