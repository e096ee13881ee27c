"""Step detection on synthetic series with known steps and noise (fixed seeds)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.stats.changepoints import Segment, find_steps, noise_sigma, segment


def _series(levels: list[tuple[int, float]], noise: float, seed: int) -> np.ndarray:
    """Concatenated flat segments (length, level) with multiplicative lognormal noise."""
    rng = np.random.default_rng(seed)
    clean = np.concatenate([np.full(n, level) for n, level in levels])
    return clean * np.exp(rng.normal(0.0, noise, clean.size))


@pytest.mark.parametrize("seed", range(10))
def test_two_known_steps_are_found_at_the_right_commit(seed: int) -> None:
    values = _series([(40, 10.0), (25, 11.5), (35, 9.0)], noise=0.03, seed=seed)
    steps = find_steps(values, threshold=0.05)
    assert [s.index for s in steps] == [40, 65]
    assert steps[0].change == pytest.approx(0.15, abs=0.03)
    assert steps[1].change == pytest.approx(9.0 / 11.5 - 1, abs=0.03)


@pytest.mark.parametrize("seed", range(10))
def test_flat_noisy_series_has_no_step(seed: int) -> None:
    values = _series([(120, 5.0)], noise=0.05, seed=100 + seed)
    assert find_steps(values, threshold=0.0) == ()


def test_flat_series_with_outliers_has_no_step() -> None:
    values = _series([(80, 5.0)], noise=0.02, seed=7)
    values[[10, 33, 60]] *= 1.8  # a noisy neighbour slowed three commits
    assert find_steps(values, threshold=0.05) == ()


def test_small_step_is_fitted_but_below_the_threshold() -> None:
    values = _series([(50, 10.0), (50, 10.3)], noise=0.002, seed=3)
    assert [s.index for s in find_steps(values, threshold=0.0)] == [50]
    assert find_steps(values, threshold=0.05) == ()


def test_step_one_commit_before_the_end_waits_for_confirmation() -> None:
    values = [10.0] * 20 + [12.0]
    assert find_steps(values, threshold=0.05) == ()  # a single commit is not yet a step
    assert [s.index for s in find_steps(values + [12.0], threshold=0.05)] == [20]


def test_segments_cover_the_series_exactly() -> None:
    assert segment([]) == ()
    assert segment([2.0, 2.0, 2.0]) == (Segment(0, 3, pytest.approx(2.0)),)
    segments = segment(_series([(30, 1.0), (30, 2.0)], noise=0.01, seed=1))
    assert [(s.start, s.stop) for s in segments] == [(0, 30), (30, 60)]
    assert segments[1].level / segments[0].level == pytest.approx(2.0, rel=0.01)


def test_noise_sigma_is_robust_to_a_step() -> None:
    values = _series([(100, 1.0), (100, 3.0)], noise=0.04, seed=5)
    assert noise_sigma(np.log(values)) == pytest.approx(0.04, rel=0.2)


def test_non_positive_values_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        segment([1.0, 0.0, 1.0, 1.0])
