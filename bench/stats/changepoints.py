"""Step changes in a per-commit series: a penalised piecewise-constant fit. Pure functions.

Method: **optimal partitioning** (Jackson et al. 2005, "An algorithm for optimal partitioning
of data on an interval", IEEE Signal Processing Letters 12(2)) with the pruning of **PELT**
(Killick, Fearnhead & Eckley 2012, "Optimal detection of changepoints with a linear
computational cost", JASA 107(500)). It finds the segmentation that minimises

    sum over segments of  C(segment)  +  beta * (number of segments)

exactly, by dynamic programming: F(t) = min over s < t of F(s) + C(y[s:t]) + beta, with
PELT's rule that drops a start s once F(s) + C(y[s:t]) > F(t). As in asv (its
``asv/step_detect.py`` fits a piecewise-constant model with a jump penalty), the segment cost
is the **L1** one, the absolute deviations from the segment's median, so that one slow commit
(a noisy neighbour on the CI runner) cannot pull a level the way a squared error would.
The fit is on ``log(value)``, so a step is a *relative* change and multiplicative noise has
one scale; the penalty is BIC-like, ``beta = factor * sigma * ln(n)``, with sigma estimated
robustly from the median absolute successive difference (a step moves one difference, not
the median of them). Segments hold at least ``min_size`` points (2 by default), so a step at
the last commit is reported once a second commit confirms it. asv chooses its penalty by
cross-validation; a fixed, documented factor is simpler and is tested below on synthetic
series (``tests/test_changepoints.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

PENALTY_FACTOR = 2.0
MIN_SIGMA = 1e-3  # 0.1 %: a floor, so a noise-free series does not split on rounding
MAD_TO_SIGMA = 1.4826  # sigma of a normal distribution per unit of median absolute deviation


@dataclass(frozen=True)
class Segment:
    start: int  # index of its first point
    stop: int  # one past its last point
    level: float  # the fitted value: the segment's median


@dataclass(frozen=True)
class Step:
    """A change of level between two segments, at the first point of the later one."""

    index: int
    before: float
    after: float

    @property
    def ratio(self) -> float:
        return self.after / self.before

    @property
    def change(self) -> float:
        """Relative size: +0.10 is 10 % higher (slower, for a latency)."""
        return self.ratio - 1.0


def noise_sigma(logs: np.ndarray) -> float:
    """Robust sigma of the noise of a log series from its successive differences."""
    if len(logs) < 3:
        return MIN_SIGMA
    diffs = np.abs(np.diff(logs))
    return max(MIN_SIGMA, MAD_TO_SIGMA * float(np.median(diffs)) / math.sqrt(2))


def segment(values: Sequence[float], penalty: float | None = None,
            min_size: int = 2) -> tuple[Segment, ...]:
    """The penalised least-squares piecewise-constant fit of ``log(values)`` (PELT)."""
    raw = np.asarray(values, dtype=np.float64)
    if np.any(~np.isfinite(raw) | (raw <= 0)):
        raise ValueError("values must be finite and positive")
    y = np.log(raw)
    n = len(y)
    if n == 0:
        return ()
    if np.any(~np.isfinite(y)):
        raise ValueError("values must be finite and positive")
    if n < 2 * min_size:
        return (Segment(0, n, float(np.exp(np.median(y)))),)
    beta = penalty if penalty is not None else PENALTY_FACTOR * noise_sigma(y) * math.log(n)

    def cost(starts: np.ndarray, t: int) -> np.ndarray:  # absolute error of y[s:t], per s
        return np.array([np.abs(y[s:t] - np.median(y[s:t])).sum() for s in starts])

    best = np.full(n + 1, np.inf)
    best[0] = -beta  # so that k segments pay k - 1 penalties: one per change point
    last = np.zeros(n + 1, dtype=np.int64)
    candidates = np.zeros(0, dtype=np.int64)
    for t in range(min_size, n + 1):
        newest = t - min_size  # the latest start that leaves min_size points
        if newest == 0 or newest >= min_size:
            candidates = np.append(candidates, newest)
        totals = best[candidates] + cost(candidates, t)
        pick = int(np.argmin(totals))
        best[t], last[t] = totals[pick] + beta, candidates[pick]
        # PELT pruning (K = 0: splitting never raises this cost): a start already worse
        # than F(t) can never be the best start later
        candidates = candidates[totals <= best[t]]
    bounds = []
    t = n
    while t > 0:
        bounds.append((int(last[t]), t))
        t = int(last[t])
    return tuple(Segment(s, e, float(np.exp(np.median(y[s:e])))) for s, e in reversed(bounds))


def find_steps(values: Sequence[float], threshold: float = 0.0, penalty: float | None = None,
               min_size: int = 2) -> tuple[Step, ...]:
    """The steps of the fit whose relative size is beyond ``threshold`` (either way)."""
    segments = segment(values, penalty, min_size)
    steps = (Step(b.start, a.level, b.level) for a, b in zip(segments, segments[1:]))
    return tuple(s for s in steps if abs(s.change) > threshold)
