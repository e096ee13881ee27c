"""The pytest plugin, through real pytest subprocesses (the plugin is a pytest11 entry point
of this venv, so a child pytest loads it as any user's would)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TWO_MODELS = textwrap.dedent("""
    import json, pathlib

    SETTINGS = dict(duration_s={duration}, min_queries={queries}, warmup=2, threads=1,
                    max_duration_s=20)

    def _keep(result, name):
        path = pathlib.Path(__file__).with_name(name + ".samples.json")
        path.write_text(json.dumps(result.samples_ns))

    def test_cnn(edgebench):
        result = edgebench.run("tiny_cnn", shapes={{"image": ({cnn_batch}, 3, 128, 128)}},
                               **SETTINGS)
        _keep(result, "test_cnn")
        assert result.status == "ok"

    def test_mlp(edgebench):
        result = edgebench.run("tiny_mlp", shapes={{"x": ({mlp_batch}, 512)}}, **SETTINGS)
        _keep(result, "test_mlp")
        assert result.status == "ok"
""")


def _pytest(folder: Path, *args: str, cpus: set[int] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    def pin() -> None:
        if cpus is not None:
            os.sched_setaffinity(0, cpus)

    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         "--rootdir", str(folder), *args],
        cwd=folder, capture_output=True, text=True, timeout=timeout, preexec_fn=pin)


def _write_tests(folder: Path, duration: float, queries: int, cnn_batch: int = 1,
                 mlp_batch: int = 1) -> None:
    (folder / "test_models.py").write_text(TWO_MODELS.format(
        duration=duration, queries=queries, cnn_batch=cnn_batch, mlp_batch=mlp_batch))


def test_two_models_give_pytest_benchmark_json_over_our_latencies(tmp_path: Path) -> None:
    _write_tests(tmp_path, duration=0.1, queries=20)
    done = _pytest(tmp_path, "--benchmark-json", "out.json")
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((tmp_path / "out.json").read_text())
    benchmarks = {b["name"]: b for b in data["benchmarks"]}
    assert set(benchmarks) == {"test_cnn", "test_mlp"}
    for name, entry in benchmarks.items():
        samples_s = [ns / 1e9 for ns in
                     json.loads((tmp_path / f"{name}.samples.json").read_text())]
        stats = entry["stats"]
        # pytest-benchmark's statistics are over exactly the latencies edgebench measured
        assert stats["data"] == pytest.approx(samples_s)
        assert stats["rounds"] == len(samples_s) == entry["extra_info"]["queries"] >= 20
        assert stats["median"] == pytest.approx(statistics.median(samples_s))
        assert stats["iterations"] == 1
        assert entry["options"]["timer"] == "time.perf_counter_ns"
        assert entry["extra_info"]["model"] == "tiny_" + name.removeprefix("test_")
        assert len(entry["extra_info"]["model_sha256"]) == 64


def test_suite_option_collects_one_item_per_workload(tmp_path: Path) -> None:
    done = _pytest(tmp_path, "--edgebench-suite", "host", "--collect-only")
    assert done.returncode == 0, done.stdout + done.stderr
    for model in ("tiny_cnn", "tiny_mlp", "tiny_text"):
        assert f"test_workload[{model}-single-stream]" in done.stdout


def test_suite_items_run_and_record(tmp_path: Path) -> None:
    done = _pytest(tmp_path, "--edgebench-suite", "host", "--edgebench-duration", "0.05",
                   "--edgebench-min-queries", "5", "--edgebench-warmup", "1",
                   "-m", "edgebench", "-k", "mlp or text", "--benchmark-json", "out.json")
    assert done.returncode == 0, done.stdout + done.stderr
    names = sorted(b["name"] for b in json.loads((tmp_path / "out.json").read_text())
                   ["benchmarks"])
    assert names == ["test_workload[tiny_mlp-single-stream]",
                     "test_workload[tiny_text-single-stream]"]


def test_unknown_suite_profile_is_a_usage_error(tmp_path: Path) -> None:
    done = _pytest(tmp_path, "--edgebench-suite", "no-such-device")
    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    assert "--edgebench-suite no-such-device: unknown device profile" in done.stderr


def test_bad_model_fails_the_test_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "test_bad.py").write_text(
        "def test_bad(edgebench):\n    edgebench.run('no_such_model')\n")
    done = _pytest(tmp_path)
    assert done.returncode == pytest.ExitCode.TESTS_FAILED
    assert "edgebench:" in done.stdout and "no_such_model" in done.stdout
    assert "Traceback" not in done.stdout


def test_plain_tests_are_untouched(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    assert 1 + 1 == 2\n")
    done = _pytest(tmp_path, "--benchmark-json", "out.json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert "benchmark:" not in done.stdout  # no table: nothing was benchmarked
    assert not (tmp_path / "out.json").exists()  # pytest-benchmark writes none for no benchmarks


def _busy_loop(cpus: set[int]) -> subprocess.Popen[bytes]:
    """A competing CPU-bound process pinned to ``cpus``."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"],
                            preexec_fn=lambda: os.sched_setaffinity(0, cpus))


def test_slowed_second_run_fails_compare_fail_median(tmp_path: Path) -> None:
    """Baseline saved; the same tests again beside a busy process pinned to the same core
    must fail ``--benchmark-compare-fail=median:10%``. Queries are batched to ~10-20 ms so
    that each spans several scheduler slices: with sub-millisecond queries a competitor
    only delays the few queries it preempts, and the median would not move."""
    core = {max(os.sched_getaffinity(0))}
    _write_tests(tmp_path, duration=1.0, queries=20, cnn_batch=8, mlp_batch=256)
    store = ["--benchmark-storage", str(tmp_path / "store")]
    base = _pytest(tmp_path, "--benchmark-autosave", *store, cpus=core)
    assert base.returncode == 0, base.stdout + base.stderr
    competitor = _busy_loop(core)
    try:
        slowed = _pytest(tmp_path, "--benchmark-compare=0001",
                         "--benchmark-compare-fail=median:10%", *store, cpus=core)
    finally:
        competitor.kill()
        competitor.wait()
    assert slowed.returncode != 0, slowed.stdout + slowed.stderr
    assert "Performance has regressed" in slowed.stdout + slowed.stderr
    assert "median" in slowed.stdout + slowed.stderr
