"""Summary statistics of latency samples: pure arithmetic, no I/O.

Percentile definition (fixed, and recorded in every report as ``percentile_method``):
**nearest rank**. The p-th percentile of n sorted samples x(1) <= ... <= x(n) is x(k) with
k = ceil(p/100 * n), k >= 1 (Hyndman & Fan 1996, definition 1; the rule MLPerf LoadGen
applies). It is always an observed latency, never an interpolation between two.

The standard deviation is the sample standard deviation (divisor n - 1); it is 0 for n = 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

PERCENTILE_METHOD = "nearest-rank"
NS_PER_MS = 1_000_000

# The fewest queries that can support a percentile claim under MLPerf's early-stopping
# bound (binomial, confidence 0.99); below these, the percentile is reported but flagged.
MIN_QUERIES_FOR_PERCENTILE = {90: 64, 99: 662}


def nearest_rank(sorted_values: Sequence[float] | np.ndarray, p: float) -> float:
    """The nearest-rank ``p``-th percentile (0 < p <= 100) of already sorted values."""
    n = len(sorted_values)
    if n == 0:
        raise ValueError("no samples")
    if not 0 < p <= 100:
        raise ValueError(f"percentile {p} outside (0, 100]")
    rank = max(1, math.ceil(p / 100 * n))
    return float(sorted_values[rank - 1])


@dataclass(frozen=True)
class LatencySummary:
    """Latency statistics in milliseconds from samples in nanoseconds."""

    n: int
    min: float
    mean: float
    p50: float
    p90: float
    p95: float
    p99: float
    max: float
    std: float

    @classmethod
    def from_ns(cls, samples_ns: Sequence[int] | np.ndarray) -> LatencySummary:
        values = np.sort(np.asarray(samples_ns, dtype=np.float64)) / NS_PER_MS
        n = len(values)
        if n == 0:
            raise ValueError("no samples")
        std = float(np.std(values, ddof=1)) if n > 1 else 0.0
        return cls(
            n=n,
            min=float(values[0]),
            mean=float(np.mean(values)),
            p50=nearest_rank(values, 50),
            p90=nearest_rank(values, 90),
            p95=nearest_rank(values, 95),
            p99=nearest_rank(values, 99),
            max=float(values[-1]),
            std=std,
        )


def throughput_per_s(queries: int, samples_per_query: int, duration_ns: int) -> float:
    """Samples per second over a wall-clock duration."""
    if duration_ns <= 0:
        return 0.0
    return queries * samples_per_query / (duration_ns / 1e9)
