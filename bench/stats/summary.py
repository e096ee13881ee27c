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


def rank_of(n: int, p: float) -> int:
    """The 1-based rank of the nearest-rank ``p``-th percentile of ``n`` values."""
    return max(1, math.ceil(p / 100 * n))


def nearest_rank(sorted_values: Sequence[float] | np.ndarray, p: float) -> float:
    """The nearest-rank ``p``-th percentile (0 < p <= 100) of already sorted values."""
    n = len(sorted_values)
    if n == 0:
        raise ValueError("no samples")
    if not 0 < p <= 100:
        raise ValueError(f"percentile {p} outside (0, 100]")
    return float(sorted_values[rank_of(n, p) - 1])


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


# --- Throughput over time (sustained load) -------------------------------------------------

THROTTLING_STABILITY = 0.9  # lowest/highest window below this, lowest after highest: throttled


@dataclass(frozen=True)
class Stability:
    window_s: float
    throughput_per_s: tuple[float, ...]  # one figure per whole window, in time order
    stability: float  # lowest window / highest window (1.0 = perfectly steady)
    throttling: bool


def window_throughput(ends_ns: Sequence[int] | np.ndarray, samples_per_query: int,
                      duration_ns: int, window_s: float) -> Stability:
    """Samples/s in consecutive whole windows of ``window_s`` from query completion times
    (ns since the start of the measured run). A trailing part-window is left out.
    Throttling is flagged when the stability is below 0.9 and the slowest window comes
    after the fastest (a device that slows down, not one that warms up)."""
    if window_s <= 0:
        raise ValueError("window must be positive")
    window_ns = int(window_s * 1e9)
    whole = int(duration_ns // window_ns)
    if whole < 1:
        return Stability(window_s, (), 1.0, False)
    ends = np.asarray(ends_ns, dtype=np.int64)
    counts = np.bincount(np.minimum(ends // window_ns, whole), minlength=whole + 1)[:whole]
    rates = tuple(float(c) * samples_per_query / window_s for c in counts)
    high = max(rates)
    low = min(rates)
    stability = low / high if high > 0 else 1.0
    throttling = stability < THROTTLING_STABILITY and rates.index(low) > rates.index(high)
    return Stability(window_s, rates, stability, throttling)
