"""``edgebench doctor`` on fake /proc and /sys trees (every threat present, then none), the
report's record of it, and the real command once (--no-calibrate: this host, exit 0)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.cli import cli
from bench.device import hostchecks
from bench.device.doctor import Watch


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _stat(user: int, steal: int) -> str:
    # cpu user nice system idle iowait irq softirq steal
    return f"cpu  {user} 0 100 1000 0 0 0 {steal} 0 0\ncpu0 1 0 0 0 0 0 0 0 0 0\n"


def _threatened(root: Path) -> None:
    _write(root, "proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu sse2 hypervisor avx2\n")
    _write(root, "proc/stat", _stat(1000, 0))
    _write(root, "proc/loadavg", "3.50 2.00 1.00 2/300 1234\n")
    _write(root, "proc/4242/stat", "4242 (busy loop) R 1 4242 4242 0 -1 0 0 0 0 0 100 0 0 0\n")
    _write(root, "proc/meminfo", "MemTotal: 1000000 kB\nMemAvailable: 50000 kB\n")
    _write(root, "proc/pressure/memory", "some avg10=4.50 avg60=1.00 avg300=0.5 total=1\n")
    cpu = "sys/devices/system/cpu"
    _write(root, f"{cpu}/cpu0/cpufreq/scaling_governor", "powersave\n")
    _write(root, f"{cpu}/cpu1/cpufreq/scaling_governor", "powersave\n")
    _write(root, f"{cpu}/cpufreq/boost", "1\n")
    _write(root, f"{cpu}/smt/active", "1\n")
    _write(root, "sys/kernel/mm/transparent_hugepage/enabled", "[always] madvise never\n")
    zone = "sys/class/thermal/thermal_zone0"
    _write(root, f"{zone}/type", "x86_pkg_temp\n")
    _write(root, f"{zone}/temp", "93000\n")
    _write(root, f"{zone}/trip_point_0_type", "passive\n")
    _write(root, f"{zone}/trip_point_0_temp", "100000\n")
    _write(root, "sys/class/power_supply/BAT0/type", "Battery\n")
    _write(root, "sys/class/power_supply/BAT0/status", "Discharging\n")


def test_every_threat_on_a_fake_host_is_found_with_advice(tmp_path: Path) -> None:
    _threatened(tmp_path)
    watch = Watch(tmp_path)
    # during the "run": 10 % of the CPU time stolen, the busy loop used 300 ticks
    _write(tmp_path, "proc/stat", _stat(1900, 100))
    _write(tmp_path, "proc/4242/stat",
           "4242 (busy loop) R 1 4242 4242 0 -1 0 0 0 0 0 400 0 0 0\n")
    watch.started -= 2.0  # two seconds of window
    found = {f.check: f for f in watch.findings()}
    assert {name for name, f in found.items() if f.status == "warn"} == {
        "virtualisation", "steal time", "cpu governor", "boost", "smt", "load average",
        "busy processes", "transparent huge pages", "thermal", "memory pressure", "battery"}
    assert found["steal time"].detail.startswith("10.0% of CPU time")
    ticks = os.sysconf("SC_CLK_TCK")
    busy = found["busy processes"].detail  # 300 ticks over (a little more than) 2 s
    assert busy.startswith("busy loop (pid 4242) ")
    assert 0.9 * 300 / ticks / 2 * 100 <= float(busy.split()[-1].rstrip("%")) <= 150 * 100 / ticks
    assert found["load average"].detail == "3.50 over the last minute on " \
        f"{len(os.sched_getaffinity(0))} CPUs"
    assert found["memory pressure"].detail == "5% of memory available, stalls 4.5% (PSI avg10)"
    assert found["thermal"].detail == "x86_pkg_temp 93 C"
    assert all(f.advice for f in found.values())


def test_a_quiet_fake_host_is_all_ok(tmp_path: Path) -> None:
    _write(tmp_path, "proc/cpuinfo", "flags\t\t: fpu sse2 avx2\n")
    _write(tmp_path, "proc/stat", _stat(1000, 0))
    _write(tmp_path, "proc/loadavg", "0.05 0.02 0.00 1/100 99\n")
    _write(tmp_path, "proc/meminfo", "MemTotal: 1000000 kB\nMemAvailable: 900000 kB\n")
    cpu = "sys/devices/system/cpu"
    _write(tmp_path, f"{cpu}/cpu0/cpufreq/scaling_governor", "performance\n")
    _write(tmp_path, f"{cpu}/intel_pstate/no_turbo", "1\n")
    _write(tmp_path, f"{cpu}/smt/active", "0\n")
    _write(tmp_path, "sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n")
    _write(tmp_path, "sys/class/thermal/thermal_zone0/temp", "45000\n")
    _write(tmp_path, "sys/class/power_supply/AC/type", "Mains\n")
    watch = Watch(tmp_path)
    _write(tmp_path, "proc/stat", _stat(2000, 0))
    watch.started -= 1.0
    found = {f.check: f for f in watch.findings()}
    assert all(f.status == "ok" for f in found.values()), [
        (f.check, f.detail) for f in found.values() if f.status != "ok"]
    assert found["boost"].detail == "turbo/boost off" and found["steal time"].advice == ""


def test_an_empty_tree_says_what_it_could_not_tell(tmp_path: Path) -> None:
    found = {f.check: f for f in Watch(tmp_path).findings()}
    assert found["steal time"].status == "info" and found["cpu governor"].status == "info"
    assert found["battery"].status == "ok"  # no battery: mains power


def test_process_times_parse_names_with_spaces_and_parens(tmp_path: Path) -> None:
    _write(tmp_path, "proc/7/stat", "7 (a (weird) name) S 1 7 7 0 -1 0 0 0 0 0 5 6 0 0\n")
    assert hostchecks.process_times(tmp_path) == {7: ("a (weird) name", 1, 11)}


def test_the_report_records_the_doctor_and_the_command_exits_0(cli_runner, fast_flags,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "r"
    done = cli_runner.invoke(cli, ["run", "tiny_mlp", *fast_flags, "--threads", "1",
                                   "--out", str(out)])
    assert done.exit_code == 0, done.output
    report = json.loads((out / "report.json").read_text())
    assert {f["check"] for f in report["doctor"]} >= {"virtualisation", "steal time", "battery"}
    done = cli_runner.invoke(cli, ["doctor", "--no-calibrate", "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert data["calibration"] is None and len(data["findings"]) == 11
