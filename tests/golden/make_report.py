"""Make the committed golden report from a real run (kept small: samples trimmed).

    .venv/bin/edgebench run --duration 1 --min-queries 200 --out /tmp/golden-run
    .venv/bin/python tests/golden/make_report.py /tmp/golden-run/report.json

Keeps the first 300 samples of each result (summaries recomputed from them), marks one
result invalid, and adds a failed result whose name holds markup, so every writer's escaping
and validity paths are exercised. Then regenerate the writer goldens:
``EDGEBENCH_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_report_writers.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench.files import write_atomic
from bench.result.contract import load_report, render_json, seal
from bench.result.models import LatencyMs, RunResult
from bench.stats.summary import LatencySummary

KEEP = 300


def trim(result: RunResult) -> RunResult:
    samples = result.samples_ns[:KEEP]
    s = LatencySummary.from_ns(samples)
    latency = LatencyMs(min=s.min, mean=s.mean, p50=s.p50, p90=s.p90, p95=s.p95, p99=s.p99,
                        max=s.max, std=s.std)
    duration = sum(samples) / 1e9
    return result.model_copy(update=dict(
        samples_ns=samples, warmup_samples_ns=result.warmup_samples_ns[:3], latency_ms=latency,
        queries=len(samples), duration_s=duration, throughput_per_s=len(samples) / duration))


def main(source: Path) -> None:
    report = load_report(source)
    results = [trim(r) for r in report.results]
    results[-1] = results[-1].model_copy(update=dict(
        valid=False, invalid_reasons=["300 queries, fewer than min_queries 1024 (max_duration)"]))
    failed = results[0].model_copy(update=dict(
        model="broken<script>alert(1)</script>", status="failed", valid=False,
        invalid_reasons=["the run failed"], error="[ONNXRuntimeError] : 1 : FAIL : <b>bad</b>",
        latency_ms=None, throughput_per_s=None, queries=0, duration_s=0.0, ended_by=None,
        cold_start=None, memory=None, samples_ns=[], warmup_samples_ns=[]))
    report = report.model_copy(update=dict(run_id="golden", results=[*results, failed]))
    write_atomic(Path(__file__).parent / "report.json", render_json(seal(report)))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
