"""Statistics across fresh processes, against hand-worked numbers (n = 1, 2, 3, all equal)."""

from __future__ import annotations

import math

import pytest

from bench.stats.processes import (
    compare_processes,
    confidence_interval,
    headline,
    prediction_interval,
    stability,
    t975,
)


def test_t_quantiles_from_the_table_and_the_expansion() -> None:
    assert t975(1) == 12.706205 and t975(2) == 4.302653 and t975(4) == 2.776445
    assert t975(4.9) == t975(4)  # a fractional Welch df takes the lower whole df
    assert t975(30) == 2.042272
    assert t975(40) == pytest.approx(2.021075, abs=2e-5)  # tables: 2.0211
    assert t975(120) == pytest.approx(1.979930, abs=2e-5)
    with pytest.raises(ValueError):
        t975(0.5)


def test_headline_is_the_median_of_the_process_headlines() -> None:
    assert headline([3.0, 1.0, 2.0]) == 2.0
    assert headline([1.0, 2.0, 3.0, 10.0]) == 2.5
    assert headline([7.0]) == 7.0


def test_one_process_has_no_prediction_interval() -> None:
    pi = prediction_interval([1.5])
    assert (pi.n, pi.centre, pi.low, pi.high) == (1, 1.5, None, None)
    assert pi.relative_half_width(1.5) is None


def test_all_equal_processes_give_a_point() -> None:
    pi = prediction_interval([2.0, 2.0, 2.0, 2.0])
    assert pi.low == pytest.approx(2.0) and pi.high == pytest.approx(2.0)
    assert pi.relative_half_width(2.0) == pytest.approx(0.0, abs=1e-12)


def test_two_processes_hand_worked() -> None:
    # ln 1 = 0, ln 1.02 = 0.0198026; mean 0.0099013; s = 0.0198026 / sqrt 2 = 0.0140026;
    # half = t(0.975, 1) * s * sqrt(1 + 1/2) = 12.706205 * 0.0140026 * 1.2247449 = 0.2179079
    pi = prediction_interval([1.0, 1.02])
    assert pi.centre == pytest.approx(math.sqrt(1.02), rel=1e-12)
    assert pi.low == pytest.approx(math.exp(0.0099013 - 0.2179079), rel=1e-5)  # 0.81219
    assert pi.high == pytest.approx(math.exp(0.0099013 + 0.2179079), rel=1e-5)  # 1.25585


def test_three_processes_hand_worked() -> None:
    # logs 0, 0.0953102, 0.1823216: mean 0.0925439, s = 0.0911923 (n - 1 = 2);
    # half = 4.302653 * 0.0911923 * sqrt(4/3) = 0.4530683
    pi = prediction_interval([1.0, 1.1, 1.2])
    assert pi.centre == pytest.approx(1.0969613, rel=1e-6)
    assert pi.low == pytest.approx(0.6973106, rel=1e-6)
    assert pi.high == pytest.approx(1.7256644, rel=1e-6)
    assert pi.relative_half_width(1.1) == pytest.approx(1.7256644 / 1.1 - 1, rel=1e-6)
    # the confidence interval of the mean: half = 4.302653 * 0.0911923 / sqrt 3 = 0.2265341
    ci = confidence_interval([1.0, 1.1, 1.2])
    assert ci.low == pytest.approx(math.exp(0.0925439 - 0.2265341), rel=1e-6)
    assert ci.high == pytest.approx(math.exp(0.0925439 + 0.2265341), rel=1e-6)


def test_the_prediction_interval_is_wider_than_the_mean_interval() -> None:
    values = [0.91, 0.93, 0.90, 0.95, 0.92]
    pi, ci = prediction_interval(values), confidence_interval(values)
    assert pi.low < ci.low and pi.high > ci.high  # type: ignore[operator]


@pytest.mark.parametrize("bad", [[], [1.0, 0.0], [1.0, -2.0], [1.0, math.inf]])
def test_values_must_be_positive_and_finite(bad: list[float]) -> None:
    with pytest.raises(ValueError):
        prediction_interval(bad)


def test_stability_of_one_process_is_unknown() -> None:
    test = stability([1.0])
    assert test.stable is None and test.verdict == "unknown"


def test_processes_within_the_floor_agree() -> None:
    # neighbours 1.00 -> 1.04 -> 1.09: gaps 4 % and 4.8 %; +/-5 % intervals allow
    # 1.05 / 0.95 - 1 = 10.526 %
    test = stability([1.04, 1.00, 1.09])
    assert test.verdict == "stable"
    assert test.largest_gap == pytest.approx(1.09 / 1.04 - 1)
    assert test.allowed_gap == pytest.approx(1.05 / 0.95 - 1)


def test_two_levels_are_unstable_whatever_the_spread_inside() -> None:
    # a bimodal configuration: processes at 0.9 and at 2.1 ms
    test = stability([0.90, 2.10, 0.91, 0.89, 2.05])
    assert test.verdict == "unstable"
    assert test.between == (0.91, 2.05)
    assert test.largest_gap == pytest.approx(2.05 / 0.91 - 1)


def test_a_gap_just_past_the_floor_is_unstable_and_just_inside_is_not() -> None:
    allowed = 1.05 / 0.95
    assert stability([1.0, allowed * 1.001]).verdict == "unstable"
    assert stability([1.0, allowed * 0.999]).verdict == "stable"


def test_wide_process_intervals_allow_a_wider_gap() -> None:
    # own half widths 10 % and 8 %: intervals [0.9, 1.1] and [1.15 * 0.92, ...] = [1.058, ...]
    # overlap, so 15 % apart is still agreement; with the 5 % floor only, it is not
    assert stability([1.0, 1.15], [0.10, 0.08]).verdict == "stable"
    assert stability([1.0, 1.15], [0.01, 0.01]).verdict == "unstable"
    assert stability([1.0, 1.15], [None, None]).verdict == "unstable"


def test_all_equal_processes_are_stable() -> None:
    test = stability([3.0, 3.0, 3.0])
    assert test.verdict == "stable" and test.largest_gap == 0.0


def test_welch_ratio_hand_worked() -> None:
    # base ln: 0, ln 1.1 = 0.0953102 -> mean 0.0476551, var 0.00454202, /2 = 0.00227101
    # new ln: ln 1.2 = 0.1823216, ln 1.3 = 0.2623643 -> mean 0.2223429, var 0.00320342,
    # /2 = 0.00160171; diff 0.1746878; se = sqrt(0.00387272) = 0.0622312
    # df = 0.00387272^2 / (0.00227101^2 + 0.00160171^2) = 1.9 -> t(1) = 12.706205
    r = compare_processes([1.0, 1.1], [1.2, 1.3])
    assert r.ratio == pytest.approx(1.25 / 1.05)  # ratio of the medians
    half = 12.706205 * 0.0622312
    assert r.low == pytest.approx(math.exp(0.1746878 - half), rel=1e-5)
    assert r.high == pytest.approx(math.exp(0.1746878 + half), rel=1e-5)
    assert (r.n_base, r.n_new) == (2, 2)


def test_welch_ratio_of_identical_constant_sides_is_one() -> None:
    r = compare_processes([2.0, 2.0, 2.0], [2.0, 2.0])
    assert (r.ratio, r.low, r.high) == (1.0, 1.0, 1.0)


def test_welch_needs_two_processes_a_side() -> None:
    with pytest.raises(ValueError):
        compare_processes([1.0], [1.0, 1.1])
