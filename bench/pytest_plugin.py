"""The CI path: model benchmarks as pytest tests, recorded by pytest-benchmark.

Installed as the ``pytest11`` entry point ``edgebench``. It adds an ``edgebench`` fixture::

    def test_tiny_cnn(edgebench):
        result = edgebench.run("tiny_cnn", duration_s=2, min_queries=200)
        assert result.valid

and the option ``--edgebench-suite PROFILE``, which turns a device profile's workloads into
collected test items. Nothing here runs unless the fixture or the option is used; the heavy
imports (onnxruntime, the runner) happen inside the fixture.

How the timings reach pytest-benchmark: edgebench measures a model with its own scenario
(``perf_counter_ns`` around ``session.run()`` only, warm-up apart, MLPerf's end rule), then
each measured query latency becomes one *round* of pytest-benchmark's ``Stats`` (iterations
= 1), attached to the test's ``benchmark`` fixture the way the fixture's own timing loop
attaches its rounds. So pytest-benchmark's min/median/mean/IQR/ops, its table, its JSON
(``--benchmark-json``, ``--benchmark-autosave``) and its regression gate
(``--benchmark-compare-fail=median:5%``) are computed over edgebench's per-query latencies,
and nothing of pytest-benchmark is re-implemented here. pytest-benchmark's own timer would
instead time a Python call per round; its ``pedantic`` mode cannot take latencies measured
elsewhere. The ``options`` recorded in the JSON say how edgebench measured (they replace
pytest-benchmark's calibration options, which do not apply), and ``extra_info`` carries the
result's identity (model sha256, precision, scenario, provider, validity).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from bench.result.models import RunResult
    from bench.spec import RunSettings, Workload

SUITE_OPTION = "--edgebench-suite"
_SUITE_MODULE = Path(__file__).parent / "ci" / "pytest_suite.py"
_PROFILE = pytest.StashKey["DeviceProfile"]()


class EdgebenchWarning(pytest.PytestWarning):
    """A model benchmark ran but its result is not valid (too few queries, ...)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("edgebench", "edgebench model benchmarks")
    group.addoption(SUITE_OPTION, metavar="PROFILE", default=None,
                    help="Collect one benchmark test per workload of a device profile "
                         "(a built-in name or a YAML file).")
    group.addoption("--edgebench-duration", type=float, default=None, metavar="S",
                    help="Minimum measured seconds per suite workload [10].")
    group.addoption("--edgebench-min-queries", type=int, default=None, metavar="N",
                    help="Minimum measured queries per suite workload [128].")
    group.addoption("--edgebench-warmup", type=int, default=None, metavar="N",
                    help="Warm-up queries per suite workload [10].")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "edgebench: a model benchmark collected from a device "
                                       "profile by --edgebench-suite")
    ref = config.getoption(SUITE_OPTION)
    if ref is None:
        return
    from bench.errors import EdgebenchError
    from bench.spec.profiles import load_profile

    try:
        profile, _ = load_profile(ref)
    except EdgebenchError as exc:
        raise pytest.UsageError(f"{SUITE_OPTION} {ref}: {exc}") from None
    config.stash[_PROFILE] = profile


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselection and pytest-benchmark's own skips
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    if _PROFILE not in config.stash:
        return
    module = pytest.Module.from_parent(session, path=_SUITE_MODULE)
    items.extend(item for item in session.genitems(module) if isinstance(item, pytest.Item))


def workload_label(workload: Workload) -> str:
    return f"{workload.model}-{workload.scenario}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "edgebench_workload" not in metafunc.fixturenames:
        return
    profile = metafunc.config.stash.get(_PROFILE, None)
    workloads = profile.workloads if profile is not None else []
    metafunc.parametrize("edgebench_workload", workloads,
                         ids=[workload_label(w) for w in workloads])


@pytest.fixture
def edgebench_suite_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Run settings for ``--edgebench-suite`` items, from the ``--edgebench-*`` options."""
    options = {"duration_s": "--edgebench-duration", "min_queries": "--edgebench-min-queries",
               "warmup": "--edgebench-warmup"}
    given = {key: request.config.getoption(flag) for key, flag in options.items()}
    return {key: value for key, value in given.items() if value is not None}


@pytest.fixture
def edgebench_device(request: pytest.FixtureRequest) -> str | None:
    """The profile given to ``--edgebench-suite`` (its threads apply), else None."""
    return request.config.getoption(SUITE_OPTION)


class EdgebenchFixture:
    """Benchmarks one model per test and records it in the test's pytest-benchmark entry."""

    def __init__(self, benchmark: Any, device: str | None) -> None:
        self._benchmark = benchmark
        self._device = device

    def run(self, model: str | Path, scenario: str = "single-stream",
            precision: str = "fp32", **settings: Any) -> RunResult:
        """Benchmark ``model`` (a suite name or an .onnx file) and return its ``RunResult``.

        ``settings`` are ``RunSettings`` fields (``duration_s``, ``min_queries``, ``warmup``,
        ``threads``, ``seed``, ``shapes``, ``values``, ...) over MLPerf Mobile's quick run
        length. Once per test, as pytest-benchmark's fixture. A failed run fails the test.
        """
        from pytest_benchmark.fixture import FixtureAlreadyUsed

        from bench.errors import EdgebenchError
        from bench.measure.run import run_one
        from bench.spec import RunSettings

        bm = self._benchmark
        if bm._mode:
            raise FixtureAlreadyUsed(f"the benchmark fixture was already used in {bm._mode} "
                                     "mode; benchmark one model per test")
        bm._mode = "edgebench.run(...)"
        fields = {"scenario": scenario, "precision": precision, **settings}
        try:
            run_settings = RunSettings.quick(**fields)
            result = run_one(str(model), run_settings, device=self._device)
        except EdgebenchError as exc:
            bm.has_error = True
            pytest.fail(f"edgebench: {exc}", pytrace=False)
        if result.status == "failed":
            bm.has_error = True
            pytest.fail(f"edgebench: {result.model}: the run failed: {result.error}",
                        pytrace=False)
        if not bm.disabled:  # --benchmark-disable: the model still runs; nothing is recorded
            _record(bm, result, run_settings)
            if not result.valid:
                warnings.warn(EdgebenchWarning(
                    f"{result.model}: invalid result: {'; '.join(result.invalid_reasons)}"),
                    stacklevel=2)
        return result


def _record(benchmark: Any, result: RunResult, settings: RunSettings) -> None:
    """Attach ``result``'s latencies to pytest-benchmark as its fixture attaches rounds."""
    from pytest_benchmark.stats import Metadata

    from bench._version import __version__

    benchmark.extra_info.update(_extra_info(result, __version__))
    metadata = Metadata(benchmark, iterations=1, options={
        "timer": "time.perf_counter_ns", "disable_gc": True, "warmup": settings.warmup,
        "min_time": settings.duration_s, "max_time": settings.max_duration_s,
        "min_rounds": settings.min_queries, "precision": None, "confidence": None,
    })
    for sample_ns in result.samples_ns:
        metadata.update(sample_ns / 1e9)  # pytest-benchmark keeps seconds
    benchmark._add_stats(metadata)
    benchmark.stats = metadata


def _extra_info(result: RunResult, version: str) -> dict[str, Any]:
    latency = result.latency_ms
    return {
        "edgebench_version": version,
        "model": result.model,
        "model_sha256": result.model_sha256,
        "precision": result.precision,
        "scenario": result.scenario,
        "provider": result.provider,
        "input_shapes": result.input_shapes,
        "threads": result.settings.threads,
        "queries": result.queries,
        "ended_by": result.ended_by,
        "valid": result.valid,
        "invalid_reasons": list(result.invalid_reasons),
        "p90_ms": latency.p90 if latency else None,
        "p99_ms": latency.p99 if latency else None,
        "throughput_per_s": result.throughput_per_s,
        "session_create_ms": result.cold_start.session_create_ms if result.cold_start else None,
        "first_inference_ms": (result.cold_start.first_inference_ms
                               if result.cold_start else None),
        "warmup_samples_ns": list(result.warmup_samples_ns),
    }


@pytest.fixture
def edgebench(benchmark: Any, edgebench_device: str | None) -> Iterator[EdgebenchFixture]:
    """Benchmark a suite model or an .onnx file in one line: ``edgebench.run("tiny_cnn")``."""
    yield EdgebenchFixture(benchmark, edgebench_device)
