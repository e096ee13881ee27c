"""``report.csv``: one row per result, for spreadsheets and quick scripts."""

from __future__ import annotations

import csv
import io
import json

from bench.report.escape import csv_cell
from bench.report.registry import register_writer
from bench.result.models import Report, RunResult

COLUMNS = (
    "run_id", "created_at", "device", "category", "cpu_model", "model", "model_sha256",
    "precision", "scenario", "provider", "input_shapes", "threads", "status", "valid",
    "invalid_reasons", "error", "queries", "duration_s", "ended_by", "latency_min_ms",
    "latency_mean_ms", "latency_p50_ms", "latency_p90_ms", "latency_p95_ms", "latency_p99_ms",
    "latency_max_ms", "latency_std_ms", "throughput_per_s", "session_create_ms",
    "first_inference_ms", "peak_rss_bytes", "content_hash",
)


def _number(value: float | int | None) -> str:
    return "" if value is None else repr(value)


def _row(report: Report, r: RunResult) -> list[str]:
    lat, cold = r.latency_ms, r.cold_start
    latency = [_number(getattr(lat, f) if lat else None)
               for f in ("min", "mean", "p50", "p90", "p95", "p99", "max", "std")]
    return [
        report.run_id, report.created_at, report.device.name, report.device.category,
        report.host.cpu_model, r.model, r.model_sha256, r.precision, r.scenario, r.provider,
        json.dumps(r.input_shapes, sort_keys=True, separators=(",", ":")),
        _number(r.settings.threads), r.status, "true" if r.valid else "false",
        "; ".join(r.invalid_reasons), r.error or "", str(r.queries), _number(r.duration_s),
        r.ended_by or "", *latency, _number(r.throughput_per_s),
        _number(cold.session_create_ms if cold else None),
        _number(cold.first_inference_ms if cold else None),
        _number(r.memory.peak_rss_bytes if r.memory else None), report.content_hash or "",
    ]


@register_writer("csv", "report.csv")
def render_csv(report: Report) -> bytes:
    """RFC 4180 CSV with a header row; empty cells where a value was not measured; text a
    spreadsheet would run as a formula is neutralised (``bench.report.escape.csv_cell``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([csv_cell(cell) for cell in _row(report, r)] for r in report.results)
    return out.getvalue().encode()
