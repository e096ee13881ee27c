"""The step detection of edgebench before the fast one, kept as the tests' oracle.

This is the O(n^2) optimal partitioning with PELT's pruning that ``bench.stats.changepoints``
shipped until the wavelet matrix and functional pruning replaced its inner loop (each start's
L1 cost recomputed ``numpy.median`` over its whole window). The new code must give the same
segments; ``tests/test_changepoints.py`` holds it to that on every series the tests use and
on random ones. Only for short series: it is slow by design.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from bench.stats.changepoints import PENALTY_FACTOR, noise_sigma


def reference_starts(values: Sequence[float], penalty: float | None = None,
                     min_size: int = 2) -> list[int]:
    """The first index of every segment, as the old ``segment`` found them."""
    y = np.log(np.asarray(values, dtype=np.float64))
    n = len(y)
    if n < 2 * min_size:
        return [0] if n else []
    beta = penalty if penalty is not None else PENALTY_FACTOR * noise_sigma(y) * math.log(n)

    def cost(starts: np.ndarray, t: int) -> np.ndarray:
        return np.array([np.abs(y[s:t] - np.median(y[s:t])).sum() for s in starts])

    best = np.full(n + 1, np.inf)
    best[0] = -beta
    last = np.zeros(n + 1, dtype=np.int64)
    candidates = np.zeros(0, dtype=np.int64)
    for t in range(min_size, n + 1):
        newest = t - min_size
        if newest == 0 or newest >= min_size:
            candidates = np.append(candidates, newest)
        totals = best[candidates] + cost(candidates, t)
        pick = int(np.argmin(totals))
        best[t], last[t] = totals[pick] + beta, candidates[pick]
        candidates = candidates[totals <= best[t]]
    starts = []
    t = n
    while t > 0:
        starts.append(int(last[t]))
        t = int(last[t])
    return starts[::-1]
