"""The wavelet matrix behind step detection, against numpy on random windows."""

from __future__ import annotations

import numpy as np
import pytest

from bench.stats.windows import WindowStats


def _windows(rng: np.random.Generator, n: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    starts = rng.integers(0, n, count)
    return starts, starts + 1 + rng.integers(0, n, count) % (n - starts)


@pytest.mark.parametrize("n", [1, 2, 3, 8, 100, 1025])
@pytest.mark.parametrize("decimals", [0, 2, 12])  # 0: many equal values
def test_median_and_kth_agree_with_numpy_on_random_windows(n: int, decimals: int) -> None:
    rng = np.random.default_rng(n * 100 + decimals)
    values = np.round(rng.normal(5.0, 2.0, n), decimals)
    stats = WindowStats(values)
    starts, stops = _windows(rng, n, 400)
    expected = [np.median(values[s:t]) for s, t in zip(starts, stops)]
    assert stats.median(starts, stops).tolist() == pytest.approx(expected, abs=1e-12)
    k = rng.integers(0, 1 << 30, 400) % (stops - starts)
    kth, below = stats.kth(starts, stops, k)
    ordered = [np.sort(values[s:t]) for s, t in zip(starts, stops)]
    assert kth.tolist() == [w[i] for w, i in zip(ordered, k)]
    assert below.tolist() == pytest.approx([w[:i].sum() for w, i in zip(ordered, k)],
                                           abs=1e-9)


@pytest.mark.parametrize("decimals", [0, 12])
def test_deviation_is_the_l1_cost_around_the_median(decimals: int) -> None:
    rng = np.random.default_rng(decimals)
    values = np.round(rng.normal(0.0, 1.0, 300), decimals)
    stats = WindowStats(values)
    starts, stops = _windows(rng, 300, 500)
    expected = [np.abs(values[s:t] - np.median(values[s:t])).sum()
                for s, t in zip(starts, stops)]
    assert stats.deviation(starts, stops).tolist() == pytest.approx(expected, abs=1e-9)
    assert stats.total(starts, stops).tolist() == pytest.approx(
        [values[s:t].sum() for s, t in zip(starts, stops)], abs=1e-9)


def test_a_window_of_equal_values_costs_exactly_zero() -> None:
    stats = WindowStats(np.array([3.0] * 7 + [1.0, 2.0] + [3.0] * 5))
    assert stats.deviation(np.array([0, 9, 2]), np.array([7, 14, 5])).tolist() == [0, 0, 0]


@pytest.mark.parametrize("decimals", [1, 12])
def test_within_is_the_exact_sublevel_interval_of_the_cost(decimals: int) -> None:
    """[a, b] = {mu : sum |y - mu| <= limit}: the cost equals the limit at a finite end,
    the median is inside, and a limit below the minimum cost gives an empty interval."""
    rng = np.random.default_rng(decimals)
    values = np.round(rng.normal(0.0, 1.0, 200), decimals)
    stats = WindowStats(values)
    starts, stops = _windows(rng, 200, 300)
    least = stats.deviation(starts, stops)
    limits = least + rng.choice([-0.5, -1e-6, 1e-6, 0.01, 0.3, 4.0], 300)
    lo, hi = stats.within(starts, stops, limits)
    for s, t, limit, floor, a, b in zip(starts, stops, limits, least, lo, hi):
        window = values[s:t]
        if limit < floor:
            assert a > b
            continue
        assert a <= np.median(window) <= b
        for end, edge in ((a, values.min()), (b, values.max())):
            if np.isfinite(end):
                assert np.abs(window - end).sum() == pytest.approx(limit, abs=1e-9)
            else:  # the interval reaches past the data
                assert np.abs(window - edge).sum() <= limit + 1e-9
