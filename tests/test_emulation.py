"""Emulating a smaller device: cores, memory and threads capped, the report says so."""

from __future__ import annotations

import resource
from pathlib import Path

import psutil
import pytest

import bench
from bench.device.emulation import emulated, emulation_for, over_memory
from bench.errors import UsageError
from bench.result.models import Emulation
from bench.spec import RunSettings
from bench.spec.profiles import read_profile


def write(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(f"name: small\ncategory: wearable\n{extra}\nworkloads: [{{model: tiny_cnn}}]\n")
    return path


def test_limits_from_the_profile(tmp_path: Path) -> None:
    profile = read_profile(write(tmp_path, "cores: [0]\nmemory_limit: 1GiB\nthreads: 4"))
    limits = emulation_for(profile, host_cpus=[0, 1])
    assert limits == Emulation(cores=[0], memory_limit_bytes=2**30, threads=1)


def test_cores_the_host_lacks_are_refused(tmp_path: Path) -> None:
    profile = read_profile(write(tmp_path, "cores: [0, 1, 2, 3]"))
    with pytest.raises(UsageError, match=r"cores \[0, 1, 2, 3\] cannot be emulated here: "
                                         r"CPU 2, 3 not available"):
        emulation_for(profile, host_cpus=[0, 1])


def test_emulated_pins_caps_and_restores() -> None:
    process = psutil.Process()
    before = process.cpu_affinity()
    limit_before = resource.getrlimit(resource.RLIMIT_AS)
    with emulated(Emulation(cores=[before[0]], memory_limit_bytes=2**30)):
        assert process.cpu_affinity() == [before[0]]
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        assert soft != resource.RLIM_INFINITY and soft >= 2**30
    assert process.cpu_affinity() == before
    assert resource.getrlimit(resource.RLIMIT_AS) == limit_before


def test_peak_above_the_device_memory_is_invalid() -> None:
    limits = Emulation(memory_limit_bytes=100 * 2**20)
    assert over_memory(limits, 150 * 2**20) == (
        "peak RSS 150 MiB exceeds the emulated device's memory_limit 100 MiB")
    assert over_memory(limits, 50 * 2**20) is None
    assert over_memory(None, 150 * 2**20) is None


def test_an_emulated_run_is_marked_in_the_report(tmp_path: Path,
                                                 fast_settings: RunSettings) -> None:
    cpu = psutil.Process().cpu_affinity()[0]
    path = write(tmp_path, f"cores: [{cpu}]\nthreads: 2")
    report = bench.run(device=str(path), settings=fast_settings, emulate=True)
    assert report.emulation == Emulation(cores=[cpu], threads=1)
    assert report.results[0].settings.threads == 1
    markdown = bench.report.get_writer("md").render(report).decode()
    assert f"**emulated** on this host: cores [{cpu}]" in markdown
    plain = bench.run(device=str(path), settings=fast_settings)
    assert plain.emulation is None and plain.results[0].settings.threads == 2
