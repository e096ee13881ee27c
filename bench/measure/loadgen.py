"""The optional backend ``--loadgen mlperf``: MLPerf LoadGen (package ``mlcommons-loadgen``,
extra ``edgebench[mlperf]``) issues the queries of the four MLPerf scenarios to the same
onnxruntime session; its summary and its VALID/INVALID verdict are copied into the report
and its log files are kept beside the report (``loadgen/<model>-<scenario>/``).

The system under test answers inline, in the thread LoadGen calls it from (one query at a
time, like the native scenarios with concurrency 1). Every sample uses the same seeded
feeds (a one-sample QSL). The latencies edgebench records itself (``samples_ns``: from the
issue callback to the completion call) sit beside LoadGen's own figures.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from time import perf_counter_ns
from typing import TYPE_CHECKING, Any

import numpy as np

from bench.errors import UsageError
from bench.measure.scenarios import get_scenario, list_scenarios
from bench.measure.scenarios.base import Measurement, RunFn, Tick, limits
from bench.result.figures import LoadgenResult

if TYPE_CHECKING:
    from bench.spec import RunSettings

# mlperf_loadgen is a C extension without type information: the module and the objects it
# hands back (TestSettings, query samples) are typed Any here, and only here.
_LINE = re.compile(r"^\s*([^:=]+?)\s*:\s*(.+?)\s*$")


def _import() -> Any:
    try:
        import mlperf_loadgen
    except ImportError:
        raise UsageError("--loadgen mlperf needs MLPerf LoadGen: "
                         "pip install 'edgebench[mlperf]' (package mlcommons-loadgen)") from None
    return mlperf_loadgen


def check(settings: RunSettings) -> None:
    """Refuse ``--loadgen mlperf`` without LoadGen, or for a scenario LoadGen has not."""
    if settings.loadgen == "mlperf":
        if get_scenario(settings.scenario).loadgen is None:
            mapped = [s for s in list_scenarios() if get_scenario(s).loadgen]
            raise UsageError(f"--loadgen mlperf runs {', '.join(mapped)}, "
                             f"not {settings.scenario}")
        _import()


def parse_summary(text: str) -> dict[str, str]:
    """``key : value`` lines of ``mlperf_log_summary.txt`` (pure)."""
    summary: dict[str, str] = {}
    for line in text.splitlines():
        match = _LINE.match(line)
        if match and not line.lstrip().startswith("*"):
            summary.setdefault(match.group(1), match.group(2))
    return summary


def _test_settings(lg: Any, settings: RunSettings, typical_ns: int) -> Any:
    """LoadGen's settings; its expected latency/QPS (which size its query schedule) come
    from the warm-up median, so the schedule covers the min duration."""
    min_s, max_s, _ = limits(settings)
    ts = lg.TestSettings()
    ts.scenario = getattr(lg.TestScenario, str(get_scenario(settings.scenario).loadgen))
    ts.mode = lg.TestMode.PerformanceOnly
    ts.min_duration_ms = int(min_s * 1000)
    ts.max_duration_ms = int(max_s * 1000)
    ts.min_query_count = settings.min_queries
    ts.single_stream_expected_latency_ns = typical_ns
    ts.multi_stream_samples_per_query = settings.samples_per_query
    ts.multi_stream_expected_latency_ns = typical_ns * settings.samples_per_query
    if settings.target_qps is not None:
        ts.server_target_qps = settings.target_qps
    if settings.latency_bound_ms is not None:
        ts.server_target_latency_ns = int(settings.latency_bound_ms * 1e6)
    ts.offline_expected_qps = 1e9 / typical_ns
    ts.schedule_rng_seed = settings.seed
    return ts


def run_loadgen(infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
                log_dir: Path | None, tick: Tick | None = None) -> Measurement:
    lg = _import()
    folder = log_dir or Path(tempfile.mkdtemp("-loadgen"))
    folder.mkdir(parents=True, exist_ok=True)
    latencies: list[int] = []
    ends: list[int] = []
    warmup = []
    for _ in range(max(settings.warmup, 1)):
        t0 = perf_counter_ns()
        infer(None, feeds)
        warmup.append(perf_counter_ns() - t0)

    def issue(samples: list[Any]) -> None:
        t0 = perf_counter_ns()
        for sample in samples:
            infer(None, feeds)
            lg.QuerySamplesComplete([lg.QuerySampleResponse(sample.id, 0, 0)])
        t1 = perf_counter_ns()
        latencies.append(t1 - t0)
        ends.append(t1)

    sut = lg.ConstructSUT(issue, lambda: None)
    qsl = lg.ConstructQSL(1, 1, lambda ids: None, lambda ids: None)
    output = lg.LogOutputSettings()
    output.outdir = str(folder)
    output.copy_summary_to_stdout = False
    log_settings = lg.LogSettings()
    log_settings.log_output = output
    start = perf_counter_ns()
    try:
        typical = max(int(np.median(warmup)), 1_000)
        lg.StartTestWithLogSettings(sut, qsl, _test_settings(lg, settings, typical),
                                    log_settings)
    finally:
        lg.DestroyQSL(qsl)
        lg.DestroySUT(sut)
    end = perf_counter_ns()
    summary = parse_summary((folder / "mlperf_log_summary.txt").read_text(errors="replace"))
    verdict = summary.get("Result is", "INVALID").upper()
    scenario = get_scenario(settings.scenario)
    name = str(scenario.loadgen)
    return Measurement(
        samples_ns=tuple(latencies), warmup_samples_ns=tuple(warmup), duration_ns=end - start,
        ended_by="MLPerf LoadGen", ends_ns=tuple(e - start for e in ends),
        # LoadGen's MultiStream issues samples_per_query samples a query; the others one
        samples_per_query=settings.samples_per_query if name == "MultiStream" else 1,
        headline_percentile=scenario.percentile,
        loadgen=LoadgenResult(scenario=name, valid=verdict == "VALID", summary=summary,
                              log_dir=str(folder)))
