"""Statistics against hand-worked numbers."""

from __future__ import annotations

import math

import pytest

from bench.stats.summary import LatencySummary, nearest_rank, throughput_per_s


def test_single_sample() -> None:
    s = LatencySummary.from_ns([2_000_000])
    assert (s.n, s.min, s.mean, s.p50, s.p90, s.p99, s.max, s.std) == (
        1, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 0.0)


def test_two_samples() -> None:
    # nearest rank: p50 -> ceil(0.5*2)=1st, p90 -> ceil(1.8)=2nd; std = |3-1|/sqrt(2)
    s = LatencySummary.from_ns([3_000_000, 1_000_000])
    assert s.min == 1.0 and s.max == 3.0 and s.mean == 2.0
    assert s.p50 == 1.0
    assert s.p90 == 3.0 and s.p95 == 3.0 and s.p99 == 3.0
    assert s.std == pytest.approx(math.sqrt(2.0), rel=1e-12)


def test_all_equal() -> None:
    s = LatencySummary.from_ns([500_000] * 7)
    assert (s.min, s.mean, s.p50, s.p90, s.p99, s.max, s.std) == (0.5,) * 6 + (0.0,)


def test_ten_samples_hand_worked() -> None:
    # 1..10 ms: mean 5.5; nearest rank p50 = 5th = 5, p90 = 9th = 9, p95 = ceil(9.5) = 10th,
    # p99 = 10th; sample variance = sum((i - 5.5)^2) / 9 = 82.5 / 9
    s = LatencySummary.from_ns([i * 1_000_000 for i in range(10, 0, -1)])
    assert s.mean == 5.5
    assert (s.p50, s.p90, s.p95, s.p99) == (5.0, 9.0, 10.0, 10.0)
    assert s.std == pytest.approx(math.sqrt(82.5 / 9), rel=1e-12)


def test_nearest_rank_is_always_an_observed_value() -> None:
    values = [1.0, 2.0, 4.0, 8.0]
    assert nearest_rank(values, 25) == 1.0
    assert nearest_rank(values, 26) == 2.0
    assert nearest_rank(values, 100) == 8.0


@pytest.mark.parametrize("p", [0, -1, 101])
def test_nearest_rank_refuses_out_of_range(p: float) -> None:
    with pytest.raises(ValueError):
        nearest_rank([1.0], p)


def test_empty_samples_refused() -> None:
    with pytest.raises(ValueError):
        LatencySummary.from_ns([])


def test_throughput() -> None:
    assert throughput_per_s(500, 1, 2_000_000_000) == 250.0
    assert throughput_per_s(10, 8, 1_000_000_000) == 80.0
    assert throughput_per_s(10, 1, 0) == 0.0
