"""Step changes in a per-commit series: a penalised piecewise-constant fit. Pure functions.

Objective: **optimal partitioning** (Jackson et al. 2005, "An algorithm for optimal
partitioning of data on an interval", IEEE Signal Processing Letters 12(2)). It finds the
segmentation that minimises

    sum over segments of  C(segment)  +  beta * (number of segments)

exactly, by dynamic programming: F(t) = min over s < t of F(s) + C(y[s:t]) + beta. As in asv
(its ``asv/step_detect.py`` fits a piecewise-constant model with a jump penalty), the segment
cost is the **L1** one, the absolute deviations from the segment's median, so that one slow
commit (a noisy neighbour on the CI runner) cannot pull a level the way a squared error
would. The fit is on ``log(value)``, so a step is a *relative* change and multiplicative
noise has one scale; the penalty is BIC-like, ``beta = factor * sigma * ln(n)``, with sigma
estimated robustly from the median absolute successive difference (a step moves one
difference, not the median of them). Segments hold at least ``min_size`` points (2 by
default), so a step at the last commit is reported once a second commit confirms it. asv
chooses its penalty by cross-validation; a fixed, documented factor is simpler and is tested
on synthetic series (``tests/test_changepoints.py``).

Speed (the same answers, found faster). Each start s that may still begin the last segment
is a candidate; a candidate is dropped only when it can never again be the best start:
- **PELT**'s rule (Killick, Fearnhead & Eckley 2012, JASA 107(500)): F(s) + C(y[s:t]) > F(t).
  On a series without steps it drops almost nothing, so alone it costs O(n^2) windows.
- **Functional pruning** (FPOP, Maidstone et al. 2017, see ``_Live.pruned``): a candidate
  is kept for the levels mu at which it still beats every other one, and dropped when none
  is left. On series with few steps about ten candidates stay live, whatever n.
- The window costs come from a wavelet matrix (``bench/stats/windows.py``, where the choice
  of structure is argued), O(log n) per window, for a block of ``BLOCK`` times at once.
The DP itself is the one of the earlier O(n^2) code: same order of starts, same tie rule
(the earliest), same PELT step; the tests hold the change points of every test series and
of random ones equal to it (``tests/changepoints_reference.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.stats.windows import WindowStats

PENALTY_FACTOR = 2.0
MIN_SIGMA = 1e-3  # 0.1 %: a floor, so a noise-free series does not split on rounding
BLOCK = 64  # times per batch of cost queries and per functional-pruning pass
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
    bounds = _partition(y, beta, min_size)
    return tuple(Segment(s, e, float(np.exp(np.median(y[s:e])))) for s, e in bounds)


def _partition(y: np.ndarray, beta: float, min_size: int) -> list[tuple[int, int]]:
    """The optimal partition: F(t) = min over s of F(s) + C(y[s:t]) + beta, F(0) = -beta."""
    n = len(y)
    stats = WindowStats(y)
    best = np.full(n + 1, np.inf)
    best[0] = -beta  # so that k segments pay k - 1 penalties: one per change point
    last = np.zeros(n + 1, dtype=np.int64)
    floor, ceiling = float(y.min()), float(y.max())
    # a one-point range would clip every interval to nothing: give it room
    live = _Live.empty(floor, ceiling if ceiling > floor else floor + 1.0)
    t0 = min_size
    while t0 <= n:
        times = np.arange(t0, min(n + 1, t0 + BLOCK))
        new = times - min_size  # the start each time adds: the latest with min_size points
        new = new[(new == 0) | (new >= min_size)]
        starts = np.concatenate([live.starts, new])  # ascending: ties go to the earliest
        offset = t0 - min_size  # cost[:, c] is C(y[s:offset + c]), from the first new start
        cost = _costs(stats, starts, np.arange(offset, int(times[-1]) + 1), min_size)
        # base[i]: F of a live start; inf before it joins and once PELT drops it
        base = np.concatenate([best[live.starts], np.full(len(new), np.inf)])
        joining = len(live.starts)
        joins = (new + min_size).tolist() + [-1]  # when each new start joins
        by_time = np.ascontiguousarray(cost.T)
        for t in times.tolist():
            if joins[joining - len(live.starts)] == t:
                base[joining] = best[starts[joining]]
                joining += 1
            totals = base + by_time[t - offset]
            pick = int(np.argmin(totals))
            best[t], last[t] = totals[pick] + beta, starts[pick]
            # PELT's rule (K = 0: splitting never raises this cost): a start already worse
            # than F(t) can never be the best start later
            base[totals > best[t]] = np.inf
        live = live.pruned(stats, best, starts, np.isfinite(base), cost, offset)
        t0 = int(times[-1]) + 1
    bounds = []
    t = n
    while t > 0:
        bounds.append((int(last[t]), t))
        t = int(last[t])
    return bounds[::-1]


def _costs(stats: WindowStats, starts: np.ndarray, times: np.ndarray,
           min_size: int) -> np.ndarray:
    """C(y[s:t]) for every start and time (inf where the window has under min_size points)."""
    s, t = np.meshgrid(starts, times, indexing="ij")
    ok = t - s >= min_size
    cost = np.full(s.shape, np.inf)
    cost[ok] = stats.deviation(s[ok], t[ok])
    return cost


@dataclass(frozen=True)
class _Live:
    """The live starts and, for each, the levels mu at which it may still be the best start:
    closed pieces ``[frm, to]`` owned by ``owner`` (an index into ``starts``), within the
    hull ``[lo, hi]``; all inside ``[floor, ceiling]``, the range of the data, where every
    segment median lies."""

    starts: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    owner: np.ndarray
    frm: np.ndarray
    to: np.ndarray
    floor: float
    ceiling: float

    @classmethod
    def empty(cls, floor: float, ceiling: float) -> _Live:
        ints, reals = np.zeros(0, dtype=np.int64), np.zeros(0)
        return cls(ints, reals, reals, ints, reals, reals, floor, ceiling)

    def pruned(self, stats: WindowStats, best: np.ndarray, starts: np.ndarray,
               kept: np.ndarray, cost: np.ndarray, offset: int) -> _Live:
        """Functional pruning (FPOP: Maidstone, Hocking, Rigaill & Fearnhead 2017, "On
        optimal multiple changepoint algorithms for large data", Statistics and Computing
        27(2)). Starts e < l gain the same terms from l on, so e beats l at level mu for
        good exactly where F(e) + sum |y[e:l] - mu| <= F(l), an interval J. For every pair
        with a start l that joined in this block, e keeps only J and l loses J (with a
        margin for rounding, so near ties keep both); ``starts`` are the old live ones then
        the new; ``kept`` says which PELT kept."""
        old, size = len(self.starts), len(starts)
        lo = np.concatenate([self.lo, np.full(size - old, self.floor)])
        hi = np.concatenate([self.hi, np.full(size - old, self.ceiling)])
        pair = _Pairs(stats, best, starts, cost, offset, lo, hi)
        fresh = np.arange(old, size)
        # Every pair of an old start and a new one, and every new start against the newest:
        # most new starts are left with no level here, so the full pairing of the new
        # starts among themselves is only needed for the few left.
        lost = [pair.compare(np.concatenate([np.tile(np.arange(old), size - old), fresh[:-1]]),
                             np.concatenate([np.repeat(fresh, old),
                                             np.full(max(len(fresh) - 1, 0), size - 1)]))]
        owner, frm, to = self._clip(lost, fresh, lo, hi, kept)
        rest = np.unique(owner[owner >= old])
        count = np.arange(len(rest) - 1)  # the newest, last of them, is done already
        ahead = np.repeat(count, count)
        behind = np.arange(len(ahead)) - np.repeat(np.cumsum(count) - count, count)
        if len(ahead):
            lost.append(pair.compare(rest[behind], rest[ahead]))
            owner, frm, to = self._clip(lost, fresh, lo, hi, kept)
        alive = np.zeros(size, dtype=bool)
        alive[owner] = True
        lo, hi = np.full(size, np.inf), np.full(size, -np.inf)
        np.minimum.at(lo, owner, frm)
        np.maximum.at(hi, owner, to)
        index = np.cumsum(alive) - 1
        return _Live(starts[alive], lo[alive], hi[alive], index[owner], frm, to,
                     self.floor, self.ceiling)

    def _clip(self, lost: list[tuple[np.ndarray, ...]], fresh: np.ndarray, lo: np.ndarray,
              hi: np.ndarray, kept: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pieces left: the old ones and those of the new starts (their range minus
        the intervals they ``lost``), each cut to its start's [lo, hi]."""
        owner, frm, to = _uncovered(*(np.concatenate(x) for x in zip(*lost)), fresh,
                                    self.floor, self.ceiling)
        owner = np.concatenate([self.owner, owner])
        frm = np.maximum(np.concatenate([self.frm, frm]), lo[owner])
        to = np.minimum(np.concatenate([self.to, to]), hi[owner])
        ok = (frm <= to) & kept[owner]
        return owner[ok], frm[ok], to[ok]


@dataclass(frozen=True)
class _Pairs:
    """What comparing two starts needs: the fitted F, the block's costs, the hulls."""

    stats: WindowStats
    best: np.ndarray
    starts: np.ndarray
    cost: np.ndarray
    offset: int
    lo: np.ndarray  # narrowed in place
    hi: np.ndarray

    def compare(self, earlier: np.ndarray, later: np.ndarray) -> tuple[np.ndarray, ...]:
        """Narrow each earlier start to J; return the open intervals (owner, a, b) that
        the later starts lose."""
        early, late = self.starts[earlier], self.starts[later]
        limit = self.best[late] - self.best[early]
        tol = 1e-9 * (1.0 + np.abs(limit))  # rounding, in cost and (slope >= 1) in level
        a, b = self.stats.within(early, late, limit + tol)
        np.maximum.at(self.lo, earlier, a - tol)
        np.minimum.at(self.hi, earlier, b + tol)
        sure = self.cost[earlier, late - self.offset] < limit - tol  # else J may be rounding
        return later[sure], a[sure] + 2 * tol[sure], b[sure] - 2 * tol[sure]


def _uncovered(group: np.ndarray, a: np.ndarray, b: np.ndarray, groups: np.ndarray,
               floor: float, ceiling: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group, the closed pieces of [floor, ceiling] outside its open intervals (a, b)."""
    a, b = np.clip(a, floor, ceiling), np.clip(b, floor, ceiling)
    use = a < b
    order = np.lexsort((a[use], group[use]))
    group, a, b = group[use][order], a[use][order], b[use][order]
    lift = 2.0 * (ceiling - floor + 1.0) * group  # keeps the running maximum in its group
    reach = np.maximum.accumulate(b - floor + lift) - lift + floor
    change = group[1:] != group[:-1]
    first = np.concatenate([[True], change])
    before = np.where(first, floor, np.concatenate([[floor], reach[:-1]]))
    gap = np.where(first, a > floor, a >= before)
    tail = np.concatenate([change, [True]]) & (reach < ceiling)
    first_group = groups[0] if len(groups) else 0
    bare = groups[np.bincount(group - first_group, minlength=len(groups)) == 0]
    return (np.concatenate([group[gap], group[tail], bare]),
            np.concatenate([before[gap], reach[tail], np.full(len(bare), floor)]),
            np.concatenate([a[gap], np.full(tail.sum(), ceiling), np.full(len(bare), ceiling)]))

def find_steps(values: Sequence[float], threshold: float = 0.0, penalty: float | None = None,
               min_size: int = 2) -> tuple[Step, ...]:
    """The steps of the fit whose relative size is beyond ``threshold`` (either way)."""
    segments = segment(values, penalty, min_size)
    steps = (Step(b.start, a.level, b.level) for a, b in zip(segments, segments[1:]))
    return tuple(s for s in steps if abs(s.change) > threshold)
