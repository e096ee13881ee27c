"""Confidence intervals of a percentile within one run: the distribution-free order-statistic
interval, widened to a batch-means interval where the samples are not independent."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.stats.processes import t975
from bench.stats.summary import rank_of

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
    def bounds(self) -> tuple[float, float] | None:
        """The one interval: the order statistics, each moved out to the batch-means
        interval (value +/- its half width) where that reaches further. None: too few
        samples."""
        if self.low is None or self.high is None:
            return None
        width = self.batch_half_width or 0.0
        return (min(self.low, self.value * (1 - width)),
                max(self.high, self.value * (1 + width)))

    @property
    def relative_half_width(self) -> float | None:
        """The larger distance from the estimate to either bound of :attr:`bounds`, over the
        estimate (so bounds and half width always describe the same interval)."""
        bounds = self.bounds
        if bounds is None or self.value <= 0:
            return None
        return max(self.value - bounds[0], bounds[1] - self.value) / self.value

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
# order, is cut into consecutive batches; the percentile of each batch is one observation,
# and a t interval over those observations widens when latency drifts or comes in bursts,
# which the order-statistic interval (it assumes independent samples) cannot see. The
# method needs batches long enough that their estimates are nearly uncorrelated (Law &
# Kelton, ibid.): on a shared VM the speed holds one level for a second or more, so 20
# batches of a 2 s run are correlated (their lag-1 autocorrelation was +0.42 to +0.79 in
# 9 of 14 processes here) and the interval is too narrow. So the batches are made longer,
# 20, then 10, then 5 of them, until the lag-1 autocorrelation of their estimates is below
# the one-sided 95 % bound of independent values, 1.645 / sqrt(b) (a sample
# autocorrelation of b independent values has variance about 1 / b: Bartlett 1946; Box,
# Jenkins & Reinsel, *Time Series Analysis*, 2.1.6); 5 batches when none is.
BATCHES = (20, 10, 5)
BATCH_MIN_N = BATCHES[0] * 50  # fewer samples: no batch-means interval (and no early stop)
_Z_95_ONE_SIDED = 1.6448536269514722


def lag1_autocorrelation(values: Sequence[float] | np.ndarray) -> float:
    """sum (x_i - m)(x_{i+1} - m) / sum (x_i - m)^2 (0 when all values are equal)."""
    d = np.asarray(values, dtype=np.float64)
    d = d - d.mean()
    total = float(np.dot(d, d))
    return float(np.dot(d[:-1], d[1:])) / total if total > 0 else 0.0


def _rank_value(values: np.ndarray, p: float) -> float:
    """The nearest-rank ``p``-th percentile of unsorted values (one selection, O(n))."""
    rank = rank_of(len(values), p)
    return float(np.partition(values, rank - 1)[rank - 1])


def batch_estimates(values: np.ndarray, p: float) -> np.ndarray:
    """The ``p``-th percentile of each batch, for the first batch count of ``BATCHES``
    whose estimates are not correlated (fewer, longer batches only when the shorter ones'
    estimates are; the last count when none passes; see above)."""
    for count in BATCHES:
        estimates = np.array([_rank_value(batch, p) for batch in np.array_split(values, count)])
        if lag1_autocorrelation(estimates) <= _Z_95_ONE_SIDED / math.sqrt(count):
            break
    return estimates


def batch_means_half_width(values: np.ndarray, p: float) -> float | None:
    """Relative half width of the 95 % batch-means interval of the ``p``-th percentile of
    ``values`` in run order, or None with fewer than ``BATCH_MIN_N`` samples."""
    if len(values) < BATCH_MIN_N:
        return None
    estimates = batch_estimates(values, p)
    centre = float(np.mean(estimates))
    if centre <= 0:
        return None
    spread = float(np.std(estimates, ddof=1))
    return t975(len(estimates) - 1) * spread / math.sqrt(len(estimates)) / centre


def percentile_ci(samples: Sequence[float] | np.ndarray, p: float) -> PercentileCI:
    """The nearest-rank ``p``-th percentile of unsorted samples with its 95 % CI; only the
    three order statistics needed are selected (``np.partition``, O(n)). With enough
    samples the batch-means half width is computed too (samples must be in run order)."""
    values = np.asarray(samples, dtype=np.float64)
    n = len(values)
    if n == 0:
        raise ValueError("no samples")
    k = rank_of(n, p)
    ranks = ci_ranks(n, p)
    wanted = [k - 1] + ([r - 1 for r in ranks] if ranks else [])
    part = np.partition(values, sorted(set(wanted)))
    if ranks is None:
        return PercentileCI(p, n, float(part[k - 1]), None, None)
    return PercentileCI(p, n, float(part[k - 1]), float(part[ranks[0] - 1]),
                        float(part[ranks[1] - 1]), batch_means_half_width(values, p))
