"""Statistics across fresh processes: one value per process (its headline), not per query.
Pure arithmetic, no I/O.

Why: on a shared machine the speed of a run moves between levels (thread placement,
memory layout, frequency, a neighbour on the host). Sometimes a process lands on a level and
keeps it; on the project's KVM VM the level also flips inside one process every few seconds
(1-s medians of a bare session.run loop alternate between about 1.15 and 1.9 ms, with no
steal time and CPU time equal to wall time: the host is slower, not the guest's run queue).
Every statistic over one process's queries is blind to that, so an interval computed
inside one process does not contain the next process's value. The unit of
repetition is the process (as in pyperf, which runs 20 worker processes), and these are the
statistics over those units.

**Prediction interval** (``prediction_interval``): the 95 % interval in which the headline
of one more fresh process falls. Headlines are positive and scale multiplicatively
(latencies, rates), so the interval is built on their logarithms y_i = ln x_i:

    mean(y) +/- t(0.975, n - 1) * s_y * sqrt(1 + 1/n)

back-transformed with exp (the normal-theory prediction interval for one future
observation: Hahn & Meeker, *Statistical Intervals*, Wiley 1991, section 4.7; NIST/SEMATECH
e-Handbook of Statistical Methods, 7.2.2). It is wider than the 95 % confidence interval of
the mean (sqrt(1 + 1/n) instead of sqrt(1/n)): a confidence interval of a mean contains
another run's estimate only about 83 % of the time, and a lab re-running a device needs the
interval a re-run lands in. It is stated for one fresh process, so it is conservative for a
re-run's headline, the median over several processes. n = 1 gives no interval.

**Instability** (``stability``): the processes disagree when two of them, neighbours in
sorted order, have intervals that do not overlap, each interval being the process's own
95 % interval widened to at least +/- ``STABILITY_FLOOR`` (5 %, the default threshold of
``compare``: processes closer than the smallest change edgebench is asked to detect do not
disagree). A gap between neighbours is what separates clusters (two levels of a bimodal
configuration, processes slowed by a competing load), while a smooth spread widens the
prediction interval instead. With one process stability is unknown.

A second sign of the same thing (``competing``): some processes waited for a CPU far
longer than others (their run-queue delay, from schedstat, in % of one core over the run,
differs by more than ``WAIT_GAP``, 10 points). Another process that ran during part of
the repeats is seen there even when the headline hides it: a 0.1 ms query rarely spans a
preemption, so its p90 barely moves while its throughput halves. A slower host under a
hypervisor is not seen there (it is not the guest's run queue); the gap test sees it.

**Comparison** (``compare_processes``): the ratio new/base of two sets of process values,
as a Welch t interval on their logarithms (Welch 1947; df by Welch-Satterthwaite); at
least two processes a side.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bench.stats.significance import Verdict, VerdictKind

STABILITY_FLOOR = 0.05
WAIT_GAP = 10.0  # percentage points of one core
CONFIDENCE = 0.95

# Student's t, 0.975 quantile, for 1..30 degrees of freedom (any statistics table).
_T975 = (12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
         2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
         2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
         2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272)
Z975 = 1.959963984540054


def t975(df: float) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom (df >= 1). Whole df
    up to 30 come from the table; a fractional df (Welch) takes the next lower whole one,
    which is conservative; above 30 the Cornish-Fisher expansion in 1/df (Abramowitz &
    Stegun 26.7.5), which is within 1e-5 there."""
    if df < 1:
        raise ValueError(f"degrees of freedom {df} below 1")
    if df < 31:
        return _T975[int(math.floor(df)) - 1]
    z = Z975
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3


def _logs(values: Sequence[float]) -> list[float]:
    if not values:
        raise ValueError("no process values")
    if any(not v > 0 or math.isinf(v) for v in values):
        raise ValueError(f"process values must be positive and finite: {list(values)}")
    return [math.log(v) for v in values]


def headline(values: Sequence[float]) -> float:
    """The headline over processes: the median of the per-process headlines."""
    if not values:
        raise ValueError("no process values")
    return float(statistics.median(values))


@dataclass(frozen=True)
class Interval:
    """A 95 % interval over process values; no bounds with fewer than two processes."""

    n: int
    centre: float  # the geometric mean of the values
    low: float | None
    high: float | None

    def relative_half_width(self, around: float) -> float | None:
        """The larger distance from ``around`` to either bound, over ``around``."""
        if self.low is None or self.high is None or around <= 0:
            return None
        return max(around - self.low, self.high - around) / around


def prediction_interval(values: Sequence[float]) -> Interval:
    """The 95 % prediction interval of one more fresh process's value (see the module
    docstring): log scale, t quantile with n - 1 df, factor sqrt(1 + 1/n)."""
    logs = _logs(values)
    n = len(logs)
    centre = statistics.fmean(logs)
    if n < 2:
        return Interval(n, math.exp(centre), None, None)
    half = t975(n - 1) * statistics.stdev(logs) * math.sqrt(1 + 1 / n)
    return Interval(n, math.exp(centre), math.exp(centre - half), math.exp(centre + half))


def confidence_interval(values: Sequence[float]) -> Interval:
    """The 95 % confidence interval of the (geometric) mean over processes, for contrast:
    factor sqrt(1/n); it is NOT where a re-run's value falls."""
    logs = _logs(values)
    n = len(logs)
    centre = statistics.fmean(logs)
    if n < 2:
        return Interval(n, math.exp(centre), None, None)
    half = t975(n - 1) * statistics.stdev(logs) / math.sqrt(n)
    return Interval(n, math.exp(centre), math.exp(centre - half), math.exp(centre + half))


@dataclass(frozen=True)
class StabilityTest:
    """Whether the processes agree within their intervals (None: fewer than two)."""

    stable: bool | None
    largest_gap: float | None  # the largest ratio - 1 between neighbours in sorted order
    allowed_gap: float | None  # what their widened intervals allowed at that gap
    between: tuple[float, float] | None  # the two values at the largest excess

    @property
    def verdict(self) -> Literal["stable", "unstable", "unknown"]:
        return "unknown" if self.stable is None else ("stable" if self.stable else "unstable")


def stability(values: Sequence[float], half_widths: Sequence[float | None] = (),
              floor: float = STABILITY_FLOOR) -> StabilityTest:
    """The instability test of the module docstring. ``half_widths`` are the processes'
    own relative 95 % half widths (None or missing: unknown, the floor applies)."""
    _logs(values)
    if len(values) < 2:
        return StabilityTest(None, None, None, None)
    widths = [max(floor, w or 0.0) for w in
              (list(half_widths) + [None] * len(values))[:len(values)]]
    ordered = sorted(zip(values, widths))
    worst: tuple[float, float, float, float] | None = None  # excess, gap, allowed, index
    for i, ((low_v, low_w), (high_v, high_w)) in enumerate(zip(ordered, ordered[1:])):
        gap = high_v / low_v - 1
        # [v(1 - w), v(1 + w)] intervals overlap while high_v (1 - high_w) <= low_v (1 + low_w)
        allowed = (1 + low_w) / (1 - high_w) - 1 if high_w < 1 else math.inf
        excess = gap - allowed
        if worst is None or excess > worst[0]:
            worst = (excess, gap, allowed, float(i))
    assert worst is not None
    excess, gap, allowed, index = worst
    pair = (ordered[int(index)][0], ordered[int(index) + 1][0])
    return StabilityTest(excess <= 0, gap, allowed, pair)


def competing(waits: Sequence[float | None], gap: float = WAIT_GAP) -> list[int]:
    """The positions of the processes that waited for a CPU more than ``gap`` points
    longer than the one that waited least (unknown waits are left out); none when fewer
    than two are known."""
    known = [w for w in waits if w is not None]
    if len(known) < 2:
        return []
    least = min(known)
    return [i for i, w in enumerate(waits) if w is not None and w - least > gap]


@dataclass(frozen=True)
class Ratio:
    """new/base over processes: point (ratio of the medians) and Welch 95 % interval."""

    ratio: float
    low: float
    high: float
    n_base: int
    n_new: int


def compare_processes(base: Sequence[float], new: Sequence[float]) -> Ratio:
    """The ratio new/base of two sets of process values with a Welch t interval on their
    logarithms; needs at least two values a side."""
    lb, ln = _logs(base), _logs(new)
    if len(lb) < 2 or len(ln) < 2:
        raise ValueError("a process-level comparison needs at least two processes a side")
    vb, vn = statistics.variance(lb) / len(lb), statistics.variance(ln) / len(ln)
    diff = statistics.fmean(ln) - statistics.fmean(lb)
    se = math.sqrt(vb + vn)
    if se == 0:
        low = high = diff
    else:
        df = (vb + vn) ** 2 / (vb**2 / (len(lb) - 1) + vn**2 / (len(ln) - 1))
        half = t975(max(df, 1.0)) * se
        low, high = diff - half, diff + half
    return Ratio(headline(new) / headline(base), math.exp(low), math.exp(high),
                 len(lb), len(ln))


def classify_processes(base: Sequence[float], new: Sequence[float], metric: str,
                       threshold: float, units: str = "processes") -> Verdict:
    """``compare``'s verdict with processes (or rounds) as the units: ``regressed`` only
    when the whole Welch interval of new/base lies above 1 + threshold, ``improved`` when
    below 1 - threshold. ``base``/``new`` are per-unit values of ``metric`` in ms."""
    r = compare_processes(base, new)
    kind: VerdictKind = "unchanged"
    if r.low > 1 + threshold:
        kind = "regressed"
    elif r.high < 1 - threshold:
        kind = "improved"
    return Verdict(kind=kind, ratio=r.ratio, ci_low=r.low, ci_high=r.high, metric=metric,
                   base_ms=headline(base), new_ms=headline(new), n_base=r.n_base,
                   n_new=r.n_new, threshold=threshold, units=units)
