"""Make the three small reports of the side-by-side golden file from tests/golden/report.json
(a real run, samples trimmed): A is that report; B and C are copies measured "on other
boards": every latency scaled by 0.6 (B) and 1.5 (C), summaries recomputed from the scaled
samples, and in C tiny_mlp stands for other model bytes (its sha256 changed), so it is
incomparable on that workload. The failed result (a hostile name) stays in all three.

    .venv/bin/python tests/golden/side_by_side/make_reports.py
    EDGEBENCH_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_report_side_by_side.py
"""

from __future__ import annotations

from pathlib import Path

from bench.files import write_atomic
from bench.result.contract import load_report, render_json, seal
from bench.result.models import LatencyMs, Report, RunResult
from bench.stats.summary import LatencySummary

HERE = Path(__file__).parent
OTHER_BYTES = "f" * 64


def scaled(result: RunResult, scale: float) -> RunResult:
    if not result.samples_ns:
        return result
    samples = [round(v * scale) for v in result.samples_ns]
    s = LatencySummary.from_ns(samples)
    duration = sum(samples) / 1e9
    return result.model_copy(update=dict(
        samples_ns=samples, warmup_samples_ns=[round(v * scale) for v in
                                               result.warmup_samples_ns],
        latency_ms=LatencyMs(min=s.min, mean=s.mean, p50=s.p50, p90=s.p90, p95=s.p95,
                             p99=s.p99, max=s.max, std=s.std),
        duration_s=duration, throughput_per_s=len(samples) / duration))


def board(base: Report, name: str, scale: float, cpu: str, other_bytes: str = "") -> Report:
    results = [scaled(r, scale) for r in base.results]
    results = [r.model_copy(update={"model_sha256": OTHER_BYTES}) if r.model == other_bytes
               else r for r in results]
    return base.model_copy(update=dict(
        run_id=f"{name}-x{scale:g}", results=results,
        device=base.device.model_copy(update={"name": name}),
        host=base.host.model_copy(update={"cpu_model": cpu})))


def main() -> None:
    base = load_report(HERE.parent / "report.json")
    reports = {"a": board(base, "board-a", 1.0, base.host.cpu_model),
               "b": board(base, "board-b", 0.6, "AMD EPYC (a faster board)"),
               "c": board(base, "board-c", 1.5, "AMD EPYC (a slower board)",
                          other_bytes="tiny_mlp")}
    for name, report in reports.items():
        write_atomic(HERE / f"{name}.json", render_json(seal(report)))


if __name__ == "__main__":
    main()
