"""``report.pytest-benchmark.json``: our results in pytest-benchmark's saved-run format, so
dashboards and ``pytest-benchmark compare`` that read those files show them.

The format (``machine_info``, ``commit_info``, ``benchmarks``, ``datetime``, ``version``; per
benchmark ``group``, ``name``, ``fullname``, ``params``, ``param``, ``extra_info``,
``options`` and ``stats``) follows pytest-benchmark 4/5's ``pytest_benchmark_generate_json``.
Its stats are in seconds, one round per measured query; the quartiles use its definition
(Wikipedia's "method 3" for odd n, "method 2" for even n), the median is the midpoint
median, ``stddev`` the sample standard deviation. Results that failed have no samples and
are left out, as pytest-benchmark leaves out benchmarks that errored.
"""

from __future__ import annotations

import json
import statistics
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Any

from bench.report.registry import register_writer
from bench.result.models import Report, RunResult

# The pytest-benchmark format version these files declare.
FORMAT_VERSION = "5.1.0"


def _quartiles(data: Sequence[float]) -> tuple[float, float]:
    n = len(data)
    if n == 1:
        return data[0], data[0]
    if n % 2 == 0:  # method 2: medians of the lower and upper halves
        return statistics.median(data[: n // 2]), statistics.median(data[n // 2:])
    m, rest = divmod(n, 4)  # method 3: weighted between neighbours
    if rest == 1:
        return (0.25 * data[m - 1] + 0.75 * data[m],
                0.75 * data[3 * m] + 0.25 * data[3 * m + 1])
    return (0.75 * data[m] + 0.25 * data[m + 1],
            0.25 * data[3 * m + 1] + 0.75 * data[3 * m + 2])


def summarize_seconds(samples_ns: Sequence[int]) -> dict[str, Any]:
    """pytest-benchmark's ``stats`` block for one result's samples."""
    data = [v / 1e9 for v in samples_ns]
    ordered = sorted(data)
    n = len(data)
    mean = statistics.fmean(data)
    stddev = statistics.stdev(data) if n > 1 else 0.0
    q1, q3 = _quartiles(ordered)
    iqr = q3 - q1
    low_fence, high_fence = q1 - 1.5 * iqr, q3 + 1.5 * iqr
    iqr_outliers = sum(1 for v in data if v < low_fence or v > high_fence)
    std_outliers = sum(1 for v in data if v < mean - stddev or v > mean + stddev)
    total = sum(data)
    single = n == 1
    return {
        "min": ordered[0], "max": ordered[-1], "mean": mean, "stddev": stddev, "rounds": n,
        "median": statistics.median(ordered), "iqr": iqr, "q1": q1, "q3": q3,
        "iqr_outliers": iqr_outliers, "stddev_outliers": std_outliers,
        "outliers": f"{std_outliers};{iqr_outliers}",
        "ld15iqr": ordered[0] if single else ordered[bisect_left(ordered, low_fence)],
        "hd15iqr": ordered[0] if single else ordered[bisect_right(ordered, high_fence) - 1],
        "ops": n / total if total else 0, "total": total, "iterations": 1,
    }


def _benchmark(report: Report, r: RunResult) -> dict[str, Any]:
    param = f"{r.precision}-{r.scenario}"
    extra: dict[str, Any] = {
        "model_sha256": r.model_sha256, "provider": r.provider, "valid": r.valid,
        "invalid_reasons": r.invalid_reasons, "input_shapes": r.input_shapes,
        "ended_by": r.ended_by, "throughput_per_s": r.throughput_per_s,
    }
    if r.latency_ms:
        extra |= {f"latency_{k}_ms": v for k, v in r.latency_ms.model_dump().items()}
    return {
        "group": f"{report.device.name} {r.scenario}",
        "name": f"{r.model}[{param}]",
        "fullname": f"edgebench/{report.device.name}::{r.model}[{param}]",
        "params": {"precision": r.precision, "scenario": r.scenario},
        "param": param,
        "extra_info": extra,
        "options": {"disable_gc": True, "timer": "perf_counter_ns", "min_rounds":
                    r.settings.min_queries, "max_time": r.settings.max_duration_s,
                    "min_time": r.settings.duration_s, "warmup": r.settings.warmup > 0},
        "stats": summarize_seconds(r.samples_ns),
    }


@register_writer("pytest-benchmark", "report.pytest-benchmark.json")
def render_pytest_benchmark(report: Report) -> bytes:
    host = report.host
    document = {
        "machine_info": {
            "node": report.device.name, "processor": host.machine, "machine": host.machine,
            "python_implementation": "CPython", "python_version": host.python,
            "release": host.os.partition(" ")[2], "system": host.os.partition(" ")[0],
            "cpu": {"brand_raw": host.cpu_model, "count": host.logical_cores,
                    "arch": host.machine},
            "edgebench": {"run_id": report.run_id, "onnxruntime": host.onnxruntime,
                          "harness": report.harness.version,
                          "content_hash": report.content_hash},
        },
        "commit_info": {"id": None, "time": None, "author_time": None, "dirty": False,
                        "project": "edgebench", "branch": None},
        "benchmarks": [_benchmark(report, r) for r in report.results if r.samples_ns],
        "datetime": report.created_at,
        "version": FORMAT_VERSION,
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()
