"""Per-request latencies of an LLM serving run, and goodput: pure arithmetic over the
arrival and token times of each request (definitions in ``bench/result/llm_server.py``,
as vLLM's serving benchmark computes them). Percentiles are nearest-rank."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.stats.summary import nearest_rank


@dataclass(frozen=True)
class RequestTimes:
    """One served request: when it arrived and when each of its tokens was ready (ns, one
    clock; ``tokens_ns[0]`` is the first token)."""

    arrival_ns: int
    tokens_ns: tuple[int, ...]
    prompt_tokens: int


@dataclass(frozen=True)
class Latencies:
    """Per-request TTFT, TPOT and end-to-end latency (ns, in the order of the requests)
    and every inter-token gap (ns, pooled)."""

    ttft_ns: np.ndarray
    tpot_ns: np.ndarray
    e2e_ns: np.ndarray
    itl_ns: np.ndarray

    def __len__(self) -> int:
        return len(self.ttft_ns)


def latencies(requests: Sequence[RequestTimes]) -> Latencies:
    """TTFT = first token - arrival; E2E = last token - arrival; TPOT = (E2E - TTFT) /
    (tokens - 1), 0 for a one-token request; ITL = consecutive token gaps."""
    ttft = np.array([r.tokens_ns[0] - r.arrival_ns for r in requests], dtype=np.int64)
    e2e = np.array([r.tokens_ns[-1] - r.arrival_ns for r in requests], dtype=np.int64)
    steps = np.array([max(len(r.tokens_ns) - 1, 1) for r in requests], dtype=np.int64)
    tpot = ((e2e - ttft) // steps) if len(requests) else np.zeros(0, dtype=np.int64)
    gaps = [np.diff(np.asarray(r.tokens_ns, dtype=np.int64)) for r in requests]
    itl = np.concatenate(gaps) if gaps else np.zeros(0, dtype=np.int64)
    return Latencies(ttft_ns=ttft, tpot_ns=tpot, e2e_ns=e2e, itl_ns=itl)


@dataclass(frozen=True)
class Distribution:
    """mean, p50, p90, p99 and max in ms (all 0 for no values)."""

    mean: float
    p50: float
    p90: float
    p99: float
    max: float


def distribution_ms(values_ns: np.ndarray) -> Distribution:
    if len(values_ns) == 0:
        return Distribution(0.0, 0.0, 0.0, 0.0, 0.0)
    ordered = np.sort(values_ns)
    p = [nearest_rank(ordered, q) / 1e6 for q in (50, 90, 99)]
    return Distribution(mean=float(ordered.mean()) / 1e6, p50=p[0], p90=p[1], p99=p[2],
                        max=float(ordered[-1]) / 1e6)


def p99_ms(values_ns: np.ndarray) -> float:
    """The nearest-rank 99th percentile in ms (inf for no values: no claim can be met)."""
    return nearest_rank(np.sort(values_ns), 99) / 1e6 if len(values_ns) else float("inf")


def good(lat: Latencies, slo_ttft_ms: float, slo_tpot_ms: float) -> int:
    """Requests whose TTFT and TPOT both meet the SLO (goodput's numerator)."""
    ok = (lat.ttft_ns <= slo_ttft_ms * 1e6) & (lat.tpot_ns <= slo_tpot_ms * 1e6)
    return int(np.count_nonzero(ok))


def meets_slo(lat: Latencies, slo_ttft_ms: float, slo_tpot_ms: float) -> bool:
    """MLPerf's rule: p99 TTFT and p99 TPOT both within the SLO (False for no requests)."""
    return (p99_ms(lat.ttft_ns) <= slo_ttft_ms) and (p99_ms(lat.tpot_ns) <= slo_tpot_ms)


def kept_up(requests: Sequence[RequestTimes], share: float) -> bool:
    """Whether an open-loop run kept up with its arrivals: in the second half of the
    arrival span, the requests completed are at least ``share`` of those that arrived. A
    stable server completes about what arrives (shifted by one latency); an overloaded one
    completes at its capacity while its queue grows, whatever the SLO says."""
    if not requests:
        return False
    last = max(r.arrival_ns for r in requests)
    half = last / 2
    arrived = sum(1 for r in requests if half < r.arrival_ns <= last)
    completed = sum(1 for r in requests if half < r.tokens_ns[-1] <= last)
    return completed >= share * arrived


def queue_grew(requests: Sequence[RequestTimes], factor: float = 2.0) -> bool:
    """Whether waiting grew over an open-loop run: in arrival order, the median TTFT of the
    last third of the requests exceeds ``factor`` times that of the first third plus the
    first third's median end-to-end latency (one request's service at that load). An
    overloaded server's queue grows all run long, so its late requests wait longer; a
    stable one's waits only fluctuate. False for fewer than 3 requests."""
    if len(requests) < 3:
        return False
    ordered = sorted(requests, key=lambda r: r.arrival_ns)
    third = len(ordered) // 3
    first, last = latencies(ordered[:third]), latencies(ordered[-third:])
    limit = factor * np.median(first.ttft_ns) + np.median(first.e2e_ns)
    return bool(np.median(last.ttft_ns) > limit)
