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


# --- Confidence interval of a percentile (distribution-free) --------------------------------
#
# The nearest-rank p-th percentile is the order statistic x(k), k = ceil(p/100 * n). A
# distribution-free confidence interval for the population quantile is a pair of order
# statistics [x(l), x(u)]: the number of samples below the true quantile is Binomial(n, q),
# q = p/100, so P(x(l) <= xi_q <= x(u)) = P(l <= B < u) for B ~ Binomial(n, q). We take the
# large-sample (normal) approximation of those binomial ranks,
#     l = floor(n q - z sqrt(n q (1 - q))),   u = ceil(n q + z sqrt(n q (1 - q))) + 1,
# clamped to nothing when they leave [1, n] (then no interval exists yet). Method: W. J.
# Conover, "Practical Nonparametric Statistics", 3rd ed. (1999), section 3.2, confidence
# interval for a quantile; the same order-statistic idea as MLPerf LoadGen's early-stopping
# estimate. z = 1.959964 for 95 % confidence.

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class PercentileCI:
    """A percentile, its 95 % order-statistic confidence interval and how wide it is."""

    percentile: float
    n: int
    value: float
    low: float | None  # None: too few samples for a bounded interval
    high: float | None
    batch_half_width: float | None = None  # batch means, relative; None below BATCH_MIN_N

    @property
    def relative_half_width(self) -> float | None:
        """The larger distance from the estimate to either bound, over the estimate; where
        the batch-means interval is known and wider, that one."""
        if self.low is None or self.high is None or self.value <= 0:
            return None
        order = max(self.value - self.low, self.high - self.value) / self.value
        return max(order, self.batch_half_width or 0.0)

    def within(self, target: float) -> bool:
        width = self.relative_half_width
        return width is not None and width <= target


def ci_ranks(n: int, p: float, z: float = Z_95) -> tuple[int, int] | None:
    """1-based ranks (l, u) of the order statistics bounding the p-th percentile's
    confidence interval, or None when n is too small for a two-sided bounded interval."""
    q = p / 100
    centre = n * q
    spread = z * math.sqrt(n * q * (1 - q))
    low = math.floor(centre - spread)
    high = math.ceil(centre + spread) + 1
    if low < 1 or high > n:
        return None
    return low, high


# Batch means (Law & Kelton, *Simulation Modeling and Analysis*, 9.5.3): the run, in
# order, is cut into BATCHES consecutive batches; the percentile of each batch is one
# observation, and a t interval over those observations widens when latency drifts or comes
# in bursts, which the order-statistic interval (it assumes independent samples) cannot see.
BATCHES = 20
BATCH_MIN_N = BATCHES * 50  # fewer samples: no batch-means interval (and no early stop)
T_975_19 = 2.093  # Student's t, 0.975 quantile, 19 degrees of freedom


def batch_means_half_width(values: np.ndarray, p: float) -> float | None:
    """Relative half width of the 95 % batch-means interval of the ``p``-th percentile of
    ``values`` in run order, or None with fewer than ``BATCH_MIN_N`` samples."""
    if len(values) < BATCH_MIN_N:
        return None
    estimates = np.array([nearest_rank(np.sort(batch), p)
                          for batch in np.array_split(values, BATCHES)])
    centre = float(np.mean(estimates))
    if centre <= 0:
        return None
    spread = float(np.std(estimates, ddof=1))
    return T_975_19 * spread / math.sqrt(BATCHES) / centre


def percentile_ci(samples: Sequence[float] | np.ndarray, p: float) -> PercentileCI:
    """The nearest-rank ``p``-th percentile of unsorted samples with its 95 % CI; only the
    three order statistics needed are selected (``np.partition``, O(n)). With enough
    samples the batch-means half width is computed too (samples must be in run order)."""
    values = np.asarray(samples, dtype=np.float64)
    n = len(values)
    if n == 0:
        raise ValueError("no samples")
    k = max(1, math.ceil(p / 100 * n))
    ranks = ci_ranks(n, p)
    wanted = [k - 1] + ([r - 1 for r in ranks] if ranks else [])
    part = np.partition(values, sorted(set(wanted)))
    if ranks is None:
        return PercentileCI(p, n, float(part[k - 1]), None, None)
    return PercentileCI(p, n, float(part[k - 1]), float(part[ranks[0] - 1]),
                        float(part[ranks[1] - 1]), batch_means_half_width(values, p))


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


# --- Poisson arrivals (server scenario) -----------------------------------------------------


def poisson_arrivals_ns(rate_per_s: float, count: int, rng: np.random.Generator,
                        offset_ns: int = 0) -> np.ndarray:
    """``count`` arrival times (ns, increasing, after ``offset_ns``) of a Poisson process of
    ``rate_per_s``: exponential inter-arrival times with mean 1/rate (as MLPerf's server)."""
    if rate_per_s <= 0:
        raise ValueError("rate must be positive")
    gaps = rng.exponential(1e9 / rate_per_s, size=count)
    return offset_ns + np.cumsum(gaps).astype(np.int64)
