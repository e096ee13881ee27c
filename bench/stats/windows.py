"""Order statistics of any window ``y[s:t]`` of a fixed series, many windows at once.

A **wavelet matrix** (Claude, Navarro & Ordóñez 2015, "The wavelet matrix: an efficient
wavelet tree for large alphabets", Information Systems 47) over the ranks of the values: one
level per bit of a rank, each level a stable partition of the series by that bit, with the
prefix counts of zero bits and the prefix sums of the values that go to the zero side. The
k-th smallest value of a window with the sum of the k smallest (Gagie, Puglisi & Turpin
2009, "Range quantile queries: another virtue of wavelet trees", SPIRE), hence its median
and its L1 cost, and the interval of levels whose L1 cost stays under a limit, each walk
the levels once: O(log n) steps a window, after an O(n log n) build.

Why this structure for step detection (``bench/stats/changepoints.py``): the fit needs the
L1 cost of the windows of many candidate starts at many ends, and, for functional pruning,
the levels at which a window's cost stays under a bound. A two-heap running median keeps
one window per candidate, costs Python-level work per value per candidate, and sees only
the middle of its window, so it cannot answer the second question; a sorted copy per
window costs O(n) per insertion; asv caches the medians of ranges in compiled code. The
wavelet matrix holds no per-window state, answers any window, and walks its levels with one
numpy operation per level for a whole batch of windows at once, so the work per window is
done in compiled code.

Sums are kept relative to the series' median, so a prefix sum over 10^5 log values keeps
its precision, and windows of a flat series cost exactly 0.
"""

from __future__ import annotations

import numpy as np

Ints = np.ndarray  # int64 arrays of window bounds


class WindowStats:
    """Range order statistics of ``values``; every method takes arrays of window starts and
    stops (``values[start:stop]``, stop > start) and answers for each window."""

    def __init__(self, values: np.ndarray) -> None:
        y = np.asarray(values, dtype=np.float64)
        n = len(y)
        order = np.argsort(y, kind="stable")
        self.sorted = y[order]
        self._center = float(self.sorted[n // 2]) if n else 0.0
        shifted = y - self._center
        codes = np.empty(n, dtype=np.int64)
        codes[order] = np.arange(n)  # distinct ranks; equal values keep their index order
        self._bits = max(1, n.bit_length())  # so that the rank n (past the end) fits too
        self._prefix = np.concatenate([[0.0], np.cumsum(shifted)])
        self._zeros: list[np.ndarray] = []
        self._sums: list[np.ndarray] = []
        self._nzeros: list[int] = []
        for level in range(self._bits):
            zero = ((codes >> (self._bits - 1 - level)) & 1) == 0
            self._zeros.append(np.concatenate([[0], np.cumsum(zero)]).astype(np.int64))
            self._sums.append(np.concatenate([[0.0], np.cumsum(np.where(zero, shifted, 0.0))]))
            self._nzeros.append(int(zero.sum()))
            keep = np.concatenate([np.flatnonzero(zero), np.flatnonzero(~zero)])  # stable
            codes, shifted = codes[keep], shifted[keep]

    def total(self, starts: Ints, stops: Ints) -> np.ndarray:
        """The sum of each window."""
        return self._prefix[stops] - self._prefix[starts] + self._center * (stops - starts)

    def kth(self, starts: Ints, stops: Ints, k: Ints) -> tuple[np.ndarray, np.ndarray]:
        """The k-th smallest value (k from 0) of each window, and the sum of its k smallest."""
        code, below = self._kth(starts, stops, np.array(k, dtype=np.int64))
        return self.sorted[code], below + self._center * np.asarray(k)

    def _kth(self, starts: Ints, stops: Ints, k: Ints) -> tuple[Ints, np.ndarray]:
        s, t = np.array(starts, dtype=np.int64), np.array(stops, dtype=np.int64)
        code = np.zeros_like(s)
        below = np.zeros(len(s))  # relative to the center
        for level in range(self._bits):
            zeros, sums, nz = self._zeros[level], self._sums[level], self._nzeros[level]
            zs, zt = zeros[s], zeros[t]
            right = k >= zt - zs  # the k-th lies among the values with this bit set
            below += np.where(right, sums[t] - sums[s], 0.0)
            k = k - np.where(right, zt - zs, 0)
            code |= right.astype(np.int64) << (self._bits - 1 - level)
            s = np.where(right, nz + s - zs, zs)
            t = np.where(right, nz + t - zt, zt)
        return code, below

    def median(self, starts: Ints, stops: Ints) -> np.ndarray:
        """As ``numpy.median`` of each window: the mean of the two middle values when even."""
        size = np.asarray(stops) - np.asarray(starts)
        upper, _ = self.kth(starts, stops, size // 2)
        lower, _ = self.kth(starts, stops, (size - 1) // 2)
        return (lower + upper) / 2

    def deviation(self, starts: Ints, stops: Ints) -> np.ndarray:
        """The L1 cost of each window: the sum of absolute deviations from its median,
        (sum of the upper half) - (sum of the lower half), the middle value counting zero."""
        size = np.asarray(stops, dtype=np.int64) - np.asarray(starts, dtype=np.int64)
        half = size // 2
        code, lower = self._kth(starts, stops, half)  # lower: the sum of the half smallest
        middle = np.where(size % 2 == 1, self.sorted[code] - self._center, 0.0)
        upper = self._prefix[stops] - self._prefix[starts] - lower - middle
        return np.maximum(upper - lower, 0.0)

    def within(self, starts: Ints, stops: Ints, limits: np.ndarray) -> tuple[np.ndarray,
                                                                          np.ndarray]:
        """For each window, the interval ``[a, b]`` of the levels mu whose sum of absolute
        deviations ``sum |y[s:t] - mu|`` is at most its limit (exact up to rounding; a > b
        when there is none). Both ends in one walk down the levels: a binary search over
        the ranks for the last value that keeps a predicate true, then the crossing on
        [that value, the next one], where the cost is linear. Left end: "cost(v) > limit
        and fewer than half the window ranked below v"; right end: "cost(v) <= limit, or
        fewer than half below v". Each holds up to a rank, not beyond (the cost is convex)."""
        m = len(starts)
        s = np.concatenate([starts, starts]).astype(np.int64)
        t = np.concatenate([stops, stops]).astype(np.int64)
        limit = np.concatenate([limits, limits]).astype(np.float64)
        upper = np.arange(2 * m) >= m
        size = t - s
        whole = self._prefix[t] - self._prefix[s]
        n = len(self.sorted)
        # past the last rank, +inf: no predicate holds there, so the walk never goes there
        values = np.full(1 << self._bits, np.inf)
        values[:n] = self.sorted - self._center
        prefix = np.zeros_like(s)
        count = np.zeros_like(s)  # values of the window ranked below prefix, and their sum
        below = np.zeros(2 * m)
        for level in range(self._bits):
            zeros, sums, nz = self._zeros[level], self._sums[level], self._nzeros[level]
            zs, zt = zeros[s], zeros[t]
            probe = prefix | (1 << (self._bits - 1 - level))
            k, low = count + zt - zs, below + sums[t] - sums[s]  # the values ranked < probe
            twice = 2 * k - size
            over = values[probe] * twice - 2 * low + whole > limit
            half = twice < 0
            go = np.where(upper, ~over | half, over & half)
            prefix = np.where(go, probe, prefix)
            count, below = np.where(go, k, count), np.where(go, low, below)
            s = np.where(go, nz + s - zs, zs)
            t = np.where(go, nz + t - zt, zt)
        v = values[prefix]
        cost = v * (2 * count - size) - 2 * below + whole
        slope = 2 * (count + (t - s)) - size  # on [v, the next value]
        nxt = values[np.minimum(prefix + 1, n)]
        with np.errstate(divide="ignore", invalid="ignore"):
            right = np.where(slope > 0, v + (limit - cost) / slope, np.inf)
            right = np.where(cost > limit, -np.inf, np.minimum(right, nxt))
            left = np.where(slope < 0, v + (cost - limit) / -slope, np.inf)
            left = np.where((prefix == 0) & (cost <= limit), -np.inf, np.minimum(left, nxt))
        end = np.where(upper, right, left) + self._center
        return end[:m], end[m:]
