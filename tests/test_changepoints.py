"""Step detection on synthetic series with known steps and noise (fixed seeds), and the fast
fit held to the old one (``tests/changepoints_reference.py``) on every series here and on
random ones."""

from __future__ import annotations

import numpy as np
import pytest

from bench.stats.changepoints import Segment, find_steps, noise_sigma, segment
from tests.changepoints_reference import reference_starts


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


def _test_series() -> list[tuple[str, np.ndarray]]:
    """Every series the step tests here and in ``test_history.py`` fit."""
    found = [(f"two-steps-{seed}", _series([(40, 10.0), (25, 11.5), (35, 9.0)], 0.03, seed))
             for seed in range(10)]
    found += [(f"flat-{seed}", _series([(120, 5.0)], 0.05, 100 + seed)) for seed in range(10)]
    outliers = _series([(80, 5.0)], noise=0.02, seed=7)
    outliers[[10, 33, 60]] *= 1.8
    found += [("outliers", outliers),
              ("small-step", _series([(50, 10.0), (50, 10.3)], noise=0.002, seed=3)),
              ("last-commit", np.array([10.0] * 20 + [12.0])),
              ("last-two", np.array([10.0] * 20 + [12.0] * 2)),
              ("constant", np.array([2.0, 2.0, 2.0])),
              ("double", _series([(30, 1.0), (30, 2.0)], noise=0.01, seed=1)),
              ("sigma", _series([(100, 1.0), (100, 3.0)], noise=0.04, seed=5))]
    history = [([(20, 1.0), (15, 1.25)], 1), ([(15, 0.05), (20, 0.04)], 2),
               ([(35, 0.05)], 2), ([(30, 1.0)], 3), ([(20, 0.5), (10, 0.4)], 4)]
    for levels, seed in history:  # test_history._noisy
        rng = np.random.default_rng(seed)
        clean = np.concatenate([np.full(n, level) for n, level in levels])
        found.append((f"history-{seed}-{len(levels)}",
                      clean * np.exp(rng.normal(0, 0.03, clean.size))))
    return found


# The change points of the series above as the old fit found them (reference_starts, run
# once; test_the_pins_are_the_old_fits_change_points checks it again under -m slow).
PINNED = {f"two-steps-{seed}": [0, 40, 65] for seed in range(10)} | {
    f"flat-{seed}": [0] for seed in range(10)} | {
    "outliers": [0], "small-step": [0, 50], "last-commit": [0], "last-two": [0, 20],
    "constant": [0], "double": [0, 30], "sigma": [0, 100], "history-1-2": [0, 20],
    "history-2-2": [0, 15], "history-2-1": [0], "history-3-1": [0], "history-4-2": [0, 20]}
SERIES = _test_series()


@pytest.mark.parametrize(("name", "values"), SERIES, ids=[name for name, _ in SERIES])
def test_the_fast_fit_keeps_the_change_points_of_the_test_series(name: str,
                                                                 values: np.ndarray) -> None:
    assert [s.start for s in segment(values)] == PINNED[name]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "values"), SERIES, ids=[name for name, _ in SERIES])
def test_the_pins_are_the_old_fits_change_points(name: str, values: np.ndarray) -> None:
    assert reference_starts(values) == PINNED[name]


@pytest.mark.parametrize("seed", range(16))
def test_the_fast_fit_agrees_with_the_old_one_on_random_series(seed: int) -> None:
    """Random lengths, steps, noise, rounding (ties), outliers, penalties and min sizes."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(10, 90))
    levels = np.cumprod(np.where(rng.random(n) < 0.03, rng.choice([0.8, 0.9, 1.1, 1.3], n), 1))
    values = 10 * levels * np.exp(rng.normal(0, rng.choice([0.001, 0.03, 0.1]), n))
    if seed % 3 == 0:
        values = np.round(values, 1)  # many equal values
    if seed % 4 == 1:
        values[rng.random(n) < 0.05] *= 2.0
    penalty = None if seed % 5 else float(rng.choice([0.0, 0.05, 1.0]))
    min_size = int(rng.choice([1, 2, 3, 5]))
    assert ([s.start for s in segment(values, penalty, min_size)]
            == reference_starts(values, penalty, min_size))


def test_min_size_longer_than_a_block_and_a_constant_series() -> None:
    rng = np.random.default_rng(11)
    values = 10 * np.exp(rng.normal(0, 0.03, 300))
    values[150:] *= 1.2
    assert [s.start for s in segment(values, min_size=70)] == [0, 150]
    assert segment(np.full(500, 3.0)) == (Segment(0, 500, pytest.approx(3.0)),)
