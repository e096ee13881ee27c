"""bench.stats.summary: confidence intervals, windows and arrivals against hand-worked numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench.stats.arrivals import poisson_arrivals_ns
from bench.stats.intervals import (
    batch_estimates,
    ci_ranks,
    lag1_autocorrelation,
    percentile_ci,
)
from bench.stats.summary import (
    LatencySummary,
    nearest_rank,
    throughput_per_s,
    window_throughput,
)


def test_nearest_rank_by_hand() -> None:
    values = [10, 20, 30, 40, 50]
    assert nearest_rank(values, 50) == 30  # ceil(2.5) = 3rd
    assert nearest_rank(values, 90) == 50  # ceil(4.5) = 5th
    assert nearest_rank(values, 20) == 10  # ceil(1.0) = 1st
    assert nearest_rank([7], 99) == 7
    with pytest.raises(ValueError):
        nearest_rank([], 50)


def test_summary_n1_n2_and_equal() -> None:
    one = LatencySummary.from_ns([2_000_000])
    assert (one.n, one.p50, one.p99, one.std) == (1, 2.0, 2.0, 0.0)
    two = LatencySummary.from_ns([1_000_000, 3_000_000])
    assert two.p50 == 1.0 and two.p90 == 3.0 and two.mean == 2.0
    assert two.std == pytest.approx(math.sqrt(2))
    same = LatencySummary.from_ns([5_000_000] * 10)
    assert same.std == 0.0 and same.p99 == 5.0


def test_ci_ranks_by_hand() -> None:
    # n = 100, q = 0.9: n q = 90, z sqrt(n q (1-q)) = 1.96 * 3 = 5.88
    # l = floor(84.12) = 84, u = ceil(95.88) + 1 = 97
    assert ci_ranks(100, 90) == (84, 97)
    # n = 1000, q = 0.99: 990 -/+ 1.96 * sqrt(9.9) = 990 -/+ 6.167 -> 983, 997 + 1
    assert ci_ranks(1000, 99) == (983, 998)
    # n = 400, median: 200 -/+ 1.96 * 10 = 180.4 / 219.6 -> 180, 221
    assert ci_ranks(400, 50) == (180, 221)
    assert ci_ranks(20, 90) is None  # upper rank would pass n: no bounded interval


def test_percentile_ci_on_ranks() -> None:
    values = np.arange(100, 0, -1)  # 1..100 shuffled order does not matter
    ci = percentile_ci(values, 90)
    assert (ci.value, ci.low, ci.high) == (90.0, 84.0, 97.0)
    assert ci.relative_half_width == pytest.approx(7 / 90)
    assert ci.within(0.08) and not ci.within(0.07)
    few = percentile_ci([1.0, 2.0, 3.0], 90)
    assert few.low is None and few.relative_half_width is None and not few.within(0.5)


def test_percentile_ci_all_equal_is_zero_width() -> None:
    ci = percentile_ci([3.0] * 200, 90)
    assert ci.relative_half_width == 0.0 and ci.within(0.001)


def test_throughput_by_hand() -> None:
    assert throughput_per_s(100, 8, 2_000_000_000) == 400.0
    assert throughput_per_s(5, 1, 0) == 0.0


def test_window_throughput_by_hand() -> None:
    # 1 s windows over 3 s: 4, 2, 1 queries of 2 samples -> 8, 4, 2 samples/s; a 0.5 s tail
    ends = [0.1, 0.2, 0.3, 0.9, 1.5, 1.6, 2.5, 3.2]
    s = window_throughput([int(e * 1e9) for e in ends], 2, int(3.5e9), 1.0)
    assert s.throughput_per_s == (8.0, 4.0, 2.0)
    assert s.stability == 0.25 and s.throttling
    steady = window_throughput([int(e * 1e9) for e in (0.5, 1.5, 2.5)], 1, int(3e9), 1.0)
    assert steady.stability == 1.0 and not steady.throttling
    warming = window_throughput([int(e * 1e9) for e in (0.5, 1.2, 1.5)], 1, int(2e9), 1.0)
    assert warming.stability == 0.5 and not warming.throttling  # slow window came first


def test_poisson_arrivals_have_the_mean_rate() -> None:
    """Fixed seed: 20,000 arrivals at 500/s. The mean gap is within 3 standard errors of
    1/rate (exponential: sd = mean), the gaps' CV is ~1, and counts per 1 s bin have a
    variance-to-mean ratio ~1 (a Poisson process; a periodic one would give ~0)."""
    rate, n = 500.0, 20_000
    times = poisson_arrivals_ns(rate, n, np.random.default_rng(1234))
    gaps = np.diff(np.concatenate([[0], times])) / 1e9
    mean = 1 / rate
    assert abs(gaps.mean() - mean) < 3 * mean / math.sqrt(n)
    assert gaps.std() / gaps.mean() == pytest.approx(1.0, abs=0.05)
    counts = np.bincount((times // 1_000_000_000).astype(int))[:-1]
    assert counts.var(ddof=1) / counts.mean() == pytest.approx(1.0, abs=0.4)
    assert np.all(np.diff(times) >= 0)
    again = poisson_arrivals_ns(rate, n, np.random.default_rng(1234))
    assert np.array_equal(times, again)


def test_batch_means_widen_the_interval_when_latency_drifts() -> None:
    # 2,000 samples: the first half at 1.0, the second at 1.1. The order-statistic interval
    # of p90 is [1.1, 1.1] (zero width). 20 batch p90s are ten 1.0s then ten 1.1s: lag-1
    # autocorrelation (18 - 1) / 20 = 0.85 > 1.645 / sqrt(20) = 0.368; 10 batches: (8 - 1)
    # / 10 = 0.7 > 0.520; so 5 batches of 400, p90s 1.0, 1.0, 1.1 (800..1199 is half 1.1),
    # 1.1, 1.1: mean 1.06, sd sqrt(0.012 / 4) = 0.054772, half width 2.776445 * 0.054772
    # / sqrt(5) = 0.068009, relative to 1.06: 0.064159.
    drift = np.array([1.0] * 1000 + [1.1] * 1000)
    ci = percentile_ci(drift, 90)
    assert (ci.low, ci.high) == (1.1, 1.1)
    assert ci.batch_half_width == pytest.approx(0.064159, rel=1e-4)
    assert ci.relative_half_width == pytest.approx(0.064159, rel=1e-4)
    assert not ci.within(0.05)
    steady = np.random.default_rng(0).permutation(drift)  # same values, no drift
    assert percentile_ci(steady, 90).batch_half_width == pytest.approx(0.0, abs=0.02)


def test_uncorrelated_batches_keep_twenty() -> None:
    # batches of 100 alternating 1.0 and 1.1: the 20 p90s alternate, lag-1 autocorrelation
    # -19 / 20 (not correlated), so 20 batches: mean 1.05, sd 0.05 sqrt(20 / 19) = 0.051299,
    # half width 2.093024 * 0.051299 / sqrt(20) = 0.024009, relative to 1.05: 0.022866
    alternating = np.concatenate([np.full(100, 1.0 + 0.1 * (i % 2)) for i in range(20)])
    assert len(batch_estimates(alternating, 90)) == 20
    assert percentile_ci(alternating, 90).batch_half_width == pytest.approx(0.022866, rel=1e-4)


def test_lag1_autocorrelation_by_hand() -> None:
    # 1, 2, 3, 4: deviations -1.5, -0.5, 0.5, 1.5; (0.75 - 0.25 + 0.75) / 5 = 0.25
    assert lag1_autocorrelation([1, 2, 3, 4]) == pytest.approx(0.25)
    assert lag1_autocorrelation([2, 2, 2]) == 0.0


def test_no_batch_interval_below_its_minimum() -> None:
    assert percentile_ci(np.ones(999), 90).batch_half_width is None
