"""Energy and temperature collectors against fake sources: a sysfs tree in a temp dir with
known counters, a fake NVML binding, a real meter command and CSV file."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import bench
from bench.device.collectors.base import EnergyReading, integrate_watts
from bench.device.collectors.battery import BatteryCollector
from bench.device.collectors.beside import Beside
from bench.device.collectors.energy import summarize_energy
from bench.device.collectors.meter import MeterCollector, read_csv_watts
from bench.device.collectors.nvml import NvmlCollector, gpus
from bench.device.collectors.rapl import RaplCollector, counter_delta
from bench.device.collectors.temperature import TemperatureCollector
from bench.spec import RunSettings
from bench.spec.device import EnergyMeter

PKG_MAX = 262_143_328_850
DRAM_MAX = 65_712_999_613
NEVER = 3600.0  # sampling interval: the thread never fires; the test calls sample()


def zone(root: Path, name: str, label: str, energy: int, max_range: int) -> Path:
    folder = root / "sys/class/powercap" / name
    folder.mkdir(parents=True)
    (folder / "name").write_text(label + "\n")
    (folder / "energy_uj").write_text(f"{energy}\n")
    (folder / "max_energy_range_uj").write_text(f"{max_range}\n")
    return folder / "energy_uj"


@pytest.fixture
def rapl_tree(tmp_path: Path) -> dict[str, Path]:
    return {
        "package": zone(tmp_path, "intel-rapl:0", "package-0", PKG_MAX - 328_850, PKG_MAX),
        "core": zone(tmp_path, "intel-rapl:0:0", "core", 5_000, PKG_MAX),
        "dram": zone(tmp_path, "intel-rapl:0:2", "dram", 1_000_000, DRAM_MAX),
        "psys": zone(tmp_path, "intel-rapl:1", "psys", 7_000, PKG_MAX),
        "root": tmp_path,
    }


def test_counter_delta_handles_one_wrap() -> None:
    assert counter_delta(100, 250, 1000) == 150
    assert counter_delta(900, 50, 1000) == 150  # 1000 - 900 + 50


def test_rapl_with_a_wrap_gives_the_hand_computed_energy(rapl_tree: dict[str, Path]) -> None:
    rapl = RaplCollector(rapl_tree["root"], interval_s=NEVER)
    assert rapl.unavailable() is None
    rapl.start()
    rapl_tree["package"].write_text(f"{PKG_MAX - 850}\n")  # +328 000 uJ
    rapl_tree["dram"].write_text("2000000\n")  # +1 000 000 uJ
    rapl_tree["core"].write_text("999999999\n")  # inside the package: not counted
    rapl.sample()
    rapl_tree["package"].write_text("1500000\n")  # wrapped: 850 + 1 500 000 uJ
    rapl_tree["dram"].write_text("3000000\n")  # +1 000 000 uJ
    reading = rapl.stop()
    # package: 328 000 + 1 500 850 = 1 828 850 uJ; dram: 2 000 000 uJ
    assert reading.joules == {"package-0": 1.82885, "dram-0": 2.0}
    energy = summarize_energy([EnergyReading("rapl", reading.joules, 2_000_000_000)], 1000)
    assert energy.available is True
    assert energy.energy_j == pytest.approx(3.82885)
    assert energy.energy_per_inference_mj == pytest.approx(3.82885)  # 3.82885 J / 1000
    assert energy.inferences_per_joule == pytest.approx(261.17502644)  # 1000 / 3.82885
    assert energy.average_power_w == pytest.approx(1.914425)  # 3.82885 J / 2 s
    assert energy.domains_j == {"rapl:package-0": 1.82885, "rapl:dram-0": 2.0}


def test_rapl_missing_or_unreadable_says_why(tmp_path: Path,
                                             rapl_tree: dict[str, Path]) -> None:
    assert "does not exist" in (RaplCollector(tmp_path / "nowhere").unavailable() or "")
    rapl_tree["package"].chmod(0)
    try:
        rapl_tree["package"].read_text()
    except PermissionError:
        reason = RaplCollector(rapl_tree["root"]).unavailable() or ""
        assert "root-only" in reason
    else:
        pytest.skip("running as root: file modes do not stop reads")


def test_no_energy_source_is_reported_as_such_not_as_zero(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDGEBENCH_SYSFS_ROOT", str(tmp_path))
    report = bench.run(["tiny_mlp"], settings=RunSettings(
        duration_s=0.05, min_queries=5, max_duration_s=5.0, warmup=1))
    energy = report.results[0].energy
    assert energy is not None and energy.available is False
    assert energy.energy_per_inference_mj is None and energy.average_power_w is None
    assert "no RAPL" in (energy.reason or "") and "no battery" in (energy.reason or "")
    markdown = bench.report.get_writer("md").render(report).decode()
    assert "**Energy**: not measured: no RAPL" in markdown


def test_beside_uses_rapl_from_a_fake_root(rapl_tree: dict[str, Path]) -> None:
    beside = Beside(["energy"], root=rapl_tree["root"])
    beside.start()
    rapl_tree["package"].write_text("5000\n")  # a wrap: 328 850 + 5 000 uJ
    result = beside.stop(inferences=100)
    assert result.energy is not None and result.energy.available
    assert result.energy.energy_j == pytest.approx(0.33385)
    assert result.energy.energy_per_inference_mj == pytest.approx(3.3385)


def battery(root: Path, status: str, **values: int) -> Path:
    folder = root / "sys/class/power_supply/BAT0"
    folder.mkdir(parents=True)
    (folder / "type").write_text("Battery\n")
    (folder / "status").write_text(status + "\n")
    for key, value in values.items():
        (folder / key).write_text(f"{value}\n")
    return folder


def test_battery_discharge_integrates_power(tmp_path: Path) -> None:
    folder = battery(tmp_path, "Discharging", power_now=4_000_000)
    collector = BatteryCollector(tmp_path, interval_s=NEVER)
    assert collector.unavailable() is None
    collector.start()
    (folder / "power_now").write_text("6000000\n")
    reading = collector.stop()
    watts = [w for _, w in collector.samples]
    assert watts == [4.0, 6.0]
    window_s = (collector.samples[1][0] - collector.samples[0][0]) / 1e9
    assert reading.joules["battery"] == pytest.approx(5.0 * window_s)


def test_battery_on_mains_is_not_a_source(tmp_path: Path) -> None:
    battery(tmp_path, "Charging", power_now=4_000_000)
    assert "not discharging" in (BatteryCollector(tmp_path).unavailable() or "")


def test_battery_current_times_voltage(tmp_path: Path) -> None:
    battery(tmp_path, "Discharging", current_now=500_000, voltage_now=8_000_000)
    collector = BatteryCollector(tmp_path, interval_s=NEVER)
    collector.start()
    collector.stop()
    assert [w for _, w in collector.samples] == [4.0, 4.0]  # 0.5 A x 8 V


def test_integrate_watts_is_the_trapezoid_rule() -> None:
    assert integrate_watts([(0, 2.0), (1_000_000_000, 4.0), (3_000_000_000, 4.0)]) == 11.0
    assert integrate_watts([(0, 5.0)]) == 0.0


def test_meter_command_prints_watts() -> None:
    meter = EnergyMeter(command=[sys.executable, "-c", "print('power: 7.5')"],
                        interval_s=NEVER)
    collector = MeterCollector(meter)
    assert collector.unavailable() is None
    collector.start()
    collector.stop()
    assert [w for _, w in collector.samples] == [7.5, 7.5]


def test_meter_csv_follows_the_last_line(tmp_path: Path) -> None:
    log = tmp_path / "meter.csv"
    log.write_text("time,watts\n0,3.0\n1,3.5\n")
    assert read_csv_watts(log, "watts") == 3.5
    collector = MeterCollector(EnergyMeter(csv=str(log), interval_s=NEVER))
    collector.start()
    log.write_text("time,watts\n0,3.0\n1,3.5\n2,9.25\n")
    collector.stop()
    assert [w for _, w in collector.samples] == [3.5, 9.25]


def test_a_meter_that_gives_nothing_says_so() -> None:
    collector = MeterCollector(EnergyMeter(command=["false"]))
    assert "gave no reading" in (collector.unavailable() or "")


def fake_nvml(power_mw: list[int], used: list[int]) -> SimpleNamespace:
    """The NVML binding's functions, as pynvml exposes them, over scripted values."""
    calls = {"power": 0, "mem": 0}

    def power(handle: int) -> int:
        calls["power"] += 1
        return power_mw[min(calls["power"], len(power_mw)) - 1]

    def memory(handle: int) -> SimpleNamespace:
        calls["mem"] += 1
        return SimpleNamespace(total=8 * 2**30, used=used[min(calls["mem"], len(used)) - 1])

    return SimpleNamespace(
        nvmlDeviceGetCount=lambda: 1, nvmlDeviceGetHandleByIndex=lambda i: i,
        nvmlDeviceGetPowerUsage=power, nvmlDeviceGetMemoryInfo=memory,
        nvmlDeviceGetName=lambda h: b"NVIDIA Fake 4090",
        nvmlSystemGetDriverVersion=lambda: "550.54")


def test_nvml_power_and_peak_memory_from_a_fake_binding() -> None:
    nvml = fake_nvml([100_000, 300_000], [2**30, 3 * 2**30])
    collector = NvmlCollector(nvml, interval_s=NEVER)
    assert collector.unavailable() is None
    collector.start()
    reading = collector.stop()
    (series,) = collector.samples.values()
    assert [w for _, w in series] == [100.0, 300.0]
    window_s = (series[1][0] - series[0][0]) / 1e9
    assert reading.joules["gpu-0"] == pytest.approx(200.0 * window_s)
    assert collector.peak_memory_bytes == 3 * 2**30


def test_nvml_gpu_inventory() -> None:
    (gpu,) = gpus(fake_nvml([1], [1]))
    assert (gpu.name, gpu.memory_bytes, gpu.driver) == ("NVIDIA Fake 4090", 8 * 2**30, "550.54")
    assert gpus(None) == []
    assert "no NVML" in (NvmlCollector(loader=lambda: None).unavailable() or "")


def test_temperatures_from_thermal_zones(tmp_path: Path) -> None:
    zone0 = tmp_path / "sys/class/thermal/thermal_zone0"
    zone0.mkdir(parents=True)
    (zone0 / "type").write_text("x86_pkg_temp\n")
    (zone0 / "temp").write_text("45000\n")
    collector = TemperatureCollector(tmp_path, interval_s=NEVER)
    collector.start()
    (zone0 / "temp").write_text("71500\n")
    collector.sample()
    (zone0 / "temp").write_text("60250\n")
    temps = collector.stop()
    assert temps["x86_pkg_temp-0"].model_dump() == {"start": 45.0, "max": 71.5, "end": 60.25}
