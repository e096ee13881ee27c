"""The one table from metric names (as criteria write them) to report fields.

A metric is read from one ``RunResult`` by a dotted path. To add one, add a line to
``METRICS``; a metric whose field reports do not carry yet (energy, tokens/s: other parts
of edgebench add them) stays in the table and becomes usable once the field exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from bench.result.models import RunResult

# unit -> (dimension, factor to the dimension's base unit)
UNITS: dict[str, tuple[str, float]] = {
    "ns": ("time", 1e-9), "us": ("time", 1e-6), "ms": ("time", 1e-3), "s": ("time", 1.0),
    "B": ("bytes", 1.0), "KiB": ("bytes", 2.0**10), "MiB": ("bytes", 2.0**20),
    "GiB": ("bytes", 2.0**30), "KB": ("bytes", 1e3), "MB": ("bytes", 1e6),
    "GB": ("bytes", 1e9),
    "J": ("energy", 1.0), "mJ": ("energy", 1e-3), "uJ": ("energy", 1e-6),
    "W": ("power", 1.0), "mW": ("power", 1e-3),
    "1/s": ("rate", 1.0), "tokens/s": ("token-rate", 1.0), "count": ("count", 1.0),
}


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    path: str
    description: str

    def available(self) -> bool:
        """Whether reports of this edgebench version carry the field."""
        model: type[BaseModel] | None = RunResult
        for part in self.path.split("."):
            if model is None or part not in model.model_fields:
                return False
            annotation = model.model_fields[part].annotation
            args = getattr(annotation, "__args__", (annotation,))
            model = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)),
                         None)
        return True

    def read(self, result: RunResult) -> float | None:
        value: object = result
        for part in self.path.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        if isinstance(value, bool):
            return float(value)
        return float(value) if isinstance(value, (int, float)) else None


METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("latency_p50", "ms", "latency_ms.p50", "median latency"),
    Metric("latency_p90", "ms", "latency_ms.p90", "90th percentile latency (nearest rank)"),
    Metric("latency_p95", "ms", "latency_ms.p95", "95th percentile latency"),
    Metric("latency_p99", "ms", "latency_ms.p99", "99th percentile latency"),
    Metric("latency_mean", "ms", "latency_ms.mean", "mean latency"),
    Metric("latency_max", "ms", "latency_ms.max", "slowest query"),
    Metric("throughput", "1/s", "throughput_per_s", "samples per second"),
    Metric("queries", "count", "queries", "measured queries"),
    Metric("peak_rss", "B", "memory.peak_rss_bytes", "peak resident set size"),
    Metric("model_load_rss", "B", "memory.model_load_rss_delta_bytes",
           "resident memory added by loading the model"),
    Metric("session_create", "ms", "cold_start.session_create_ms", "session construction"),
    Metric("first_inference", "ms", "cold_start.first_inference_ms", "first run()"),
    Metric("energy_per_inference", "mJ", "energy.energy_per_inference_mj",
           "energy per inference (warm-up and measured queries)"),
    Metric("average_power", "W", "energy.average_power_w", "mean power over the run"),
    Metric("inferences_per_joule", "count", "energy.inferences_per_joule",
           "inferences per joule"),
    Metric("decode_tokens_per_s", "tokens/s", "token_generation.decode_tokens_per_s",
           "decoder tokens per second after the first"),
    Metric("time_to_first_token", "ms", "token_generation.time_to_first_token_ms",
           "prompt to first generated token (median prefill)"),
    Metric("time_per_output_token", "ms", "token_generation.time_per_output_token_ms",
           "mean decode step"),
    Metric("goodput", "1/s", "llm_server.goodput",
           "llm-server: requests/s whose TTFT and TPOT met the SLO"),
    Metric("output_tokens_per_s", "tokens/s", "llm_server.output_tokens_per_s",
           "llm-server: generated tokens per second over all requests"),
    Metric("request_throughput", "1/s", "llm_server.achieved_rate",
           "llm-server: requests completed per second"),
    Metric("ttft_p99", "ms", "llm_server.ttft_ms.p99", "llm-server: p99 time to first token"),
    Metric("tpot_p99", "ms", "llm_server.tpot_ms.p99", "llm-server: p99 time per output token"),
)}


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """``value`` in ``from_unit`` expressed in ``to_unit`` (same dimension)."""
    return value * UNITS[from_unit][1] / UNITS[to_unit][1]


def compatible(unit: str, metric: Metric) -> bool:
    return unit in UNITS and UNITS[unit][0] == UNITS[metric.unit][0]
