"""How far the speed moved inside one process: the medians of consecutive short windows of
its queries. Pure arithmetic, no I/O.

Why: a result is unstable when its fresh processes disagree, and the reader then needs to
know why. Two causes look alike in the process values and need different remedies: a
process that landed on a slow level and kept it (thread placement, memory layout: fewer
threads or more processes help), and a host whose own speed moves while one process runs
(another tenant of a virtual machine's host, its clock: only a quieter machine helps). The
second is seen inside each process. On the project's 2-core KVM VM one unbroken bare
``session.run`` loop of a ~0.8 ms CNN, 480 s at 1 thread, had its 1 s medians at 0.82 ms
or at about 1.2 ms (x1.46), 22 % of the time at the slow level, in spells of 1-30 s; cut
into 2 s pieces, the trimmed range of their 0.25 s medians (below) was under 5 % in half
of them and over 28 % in a quarter: little lies between.

**Drift** (``drift``): the queries are cut, in order, into windows of ``WINDOW_S`` of
summed latency (longer where a window would hold fewer than ``MIN_WINDOW`` queries, so
each median rests on enough of them); the drift is the ratio - 1 of the slowest to the
fastest window median, leaving out the one most extreme window at each end once there are
8 or more (a trimmed range: one odd window is not a level). Fewer than ``MIN_WINDOWS``
windows give no figure. Summed latency is the wall time of back-to-back queries
(single-stream); where queries overlap the windows are shorter in wall time, and the
figure is still the range of their medians in issue order.

A process **drifted** when its drift exceeds ``DRIFT_THRESHOLD`` (10 %, twice the
smallest difference between processes that the stability test calls a disagreement):
the pieces above fall either well below or well above it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WINDOW_S = 0.25
MIN_WINDOW = 20  # queries a window's median rests on, at the least
MIN_WINDOWS = 4
TRIM_FROM = 8  # windows from which the most extreme one at each end is left out
DRIFT_THRESHOLD = 0.10


@dataclass(frozen=True)
class Drift:
    """The window medians of one process (in ns, in order) and their trimmed range."""

    window_s: float  # the summed latency of a window, seconds
    medians_ns: tuple[float, ...]
    low_ns: float  # the fastest window median kept
    high_ns: float  # the slowest window median kept

    @property
    def ratio(self) -> float:
        """high / low - 1."""
        return self.high_ns / self.low_ns - 1 if self.low_ns > 0 else 0.0

    @property
    def drifted(self) -> bool:
        """Whether the slowest kept window is more than ``DRIFT_THRESHOLD`` slower."""
        return exceeds(self.ratio)


def exceeds(ratio: float | None) -> bool:
    """Whether a drift (a ratio - 1, None: unknown) is over ``DRIFT_THRESHOLD``; to 6
    decimals, so that a window exactly 10 % slower is not over it for float error."""
    return ratio is not None and round(ratio, 6) > DRIFT_THRESHOLD


def windows(samples_ns: np.ndarray, span_ns: float) -> list[np.ndarray]:
    """``samples_ns`` (latencies, in order) cut into consecutive windows of ``span_ns`` of
    summed latency, each query in the window it starts in; the last may be partial."""
    ends = np.cumsum(samples_ns)
    which = np.floor((ends - samples_ns) / span_ns).astype(np.int64)
    return np.split(samples_ns, np.flatnonzero(np.diff(which)) + 1)


def drift(samples_ns: Sequence[int] | np.ndarray, window_s: float = WINDOW_S,
          min_window: int = MIN_WINDOW) -> Drift | None:
    """The drift of one process's samples (latencies in ns, in the order they were
    measured); None when they fill fewer than ``MIN_WINDOWS`` windows."""
    x = np.asarray(samples_ns, dtype=np.float64)
    if len(x) < MIN_WINDOWS * min_window or not np.all(x > 0):
        return None
    # a window is window_s of summed latency, or min_window typical queries if longer
    span = max(window_s * 1e9, min_window * float(np.median(x)))
    medians = [float(np.median(w)) for w in windows(x, span) if len(w) >= min_window]
    if len(medians) < MIN_WINDOWS:
        return None
    ordered = sorted(medians)
    trim = 1 if len(ordered) >= TRIM_FROM else 0
    return Drift(window_s=span / 1e9, medians_ns=tuple(medians),
                 low_ns=ordered[trim], high_ns=ordered[-1 - trim])
