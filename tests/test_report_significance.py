"""classify(): the bootstrap interval of the ratio of a percentile, on synthetic samples."""

from __future__ import annotations

import numpy as np
import pytest

from bench.result.compare import Verdict, classify
from bench.stats.significance import metric_percentile


def _samples(seed: int, n: int = 2000, scale: float = 1.0) -> list[int]:
    rng = np.random.default_rng(seed)
    return [int(v) for v in rng.lognormal(0.0, 0.15, n) * 1e6 * scale]


def test_same_distribution_is_unchanged_with_an_interval_around_one() -> None:
    v = classify(_samples(1), _samples(2))
    assert v.kind == "unchanged"
    assert v.ci_low < 1.0 < v.ci_high
    assert v.ci_high - v.ci_low < 0.05


@pytest.mark.parametrize(("scale", "kind"), [(1.3, "regressed"), (0.7, "improved")])
def test_a_shift_beyond_the_threshold_is_classified(scale: float, kind: str) -> None:
    v = classify(_samples(1), _samples(2, scale=scale))
    assert v.kind == kind
    assert v.ratio == pytest.approx(scale, rel=0.05)


def test_a_shift_within_the_threshold_is_unchanged() -> None:
    base, new = _samples(1, 20_000), _samples(2, 20_000, scale=1.03)
    assert classify(base, new, threshold=0.05).kind == "unchanged"
    assert classify(base, new, threshold=0.0).kind == "regressed"


def test_too_few_samples_for_significance_is_unchanged() -> None:
    v = classify([1_000_000, 1_100_000, 900_000], [1_500_000, 1_200_000, 1_000_000])
    assert v.kind == "unchanged" and v.ratio == pytest.approx(1.5 / 1.1)


def test_the_ratio_and_values_are_nearest_rank_percentiles() -> None:
    base = [i * 1_000_000 for i in range(1, 11)]  # 1..10 ms; p90 = 9 ms, p50 = 5 ms
    new = [i * 2_000_000 for i in range(1, 11)]
    v = classify(base, new, metric="p90")
    assert (v.base_ms, v.new_ms, v.ratio) == (9.0, 18.0, 2.0)
    assert classify(base, new, metric="p50").base_ms == 5.0
    assert classify(base, new, metric="mean").base_ms == 5.5


def test_seeded_and_deterministic() -> None:
    a, b = _samples(3, 500), _samples(4, 500)
    assert classify(a, b, seed=7) == classify(a, b, seed=7)
    assert isinstance(classify(a, b), Verdict)


def test_all_equal_samples() -> None:
    v = classify([5] * 10, [5] * 10)
    assert (v.kind, v.ratio, v.ci_low, v.ci_high) == ("unchanged", 1.0, 1.0, 1.0)


@pytest.mark.parametrize("bad", [dict(base_ns=[]), dict(metric="p900"), dict(metric="avg"),
                                 dict(threshold=1.5)])
def test_bad_arguments_raise_value_error(bad: dict) -> None:
    args = dict(base_ns=[1, 2], new_ns=[1, 2]) | bad
    with pytest.raises(ValueError):
        classify(**args)


def test_metric_names() -> None:
    assert metric_percentile("p90") == 90.0
    assert metric_percentile("p99.9") == 99.9
    assert metric_percentile("median") == 50.0
    assert metric_percentile("mean") is None
