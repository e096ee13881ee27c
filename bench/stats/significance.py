"""Is a new latency sample set slower than a base one? Pure functions over values.

Method: a **block-bootstrap 95% confidence interval of the ratio new/base of the chosen
metric** (a nearest-rank percentile, by default p90, or the mean), seeded so the same inputs
give the same verdict.

Why a bootstrap of the ratio rather than Mann-Whitney U: the question a benchmark asks is
"did the p90 move, and by how much", in the unit the threshold is written in (``5%``).
Mann-Whitney tests whether one distribution is stochastically larger than the other; it says
nothing about the size of a change in a tail percentile and, on 10^5 samples, calls a 0.1%
shift of the median "significant".

Why *block* bootstrap: the samples of one run are not independent draws. On a shared machine
load comes in bursts that slow many consecutive queries, so an ordinary (iid) bootstrap gives
intervals far too narrow: on 20 interleaved same-model pairs saved on this machine it called
2 of 20 pairs "improved" by 7-9% with intervals of +-2%. Cutting each run into 50
consecutive blocks and resampling whole blocks keeps that correlation in the resamples, and
the interval widens to the run-to-run spread that is really there (20 of 20 unchanged, and a
real 1.9x slowdown still has an interval of [1.87, 1.88]).

For speed each block is a histogram over a shared log-spaced grid (GRID_BINS bins), so a
resample's percentile is read from a weighted sum of block histograms (one matrix product)
instead of sorting BOOTSTRAP_DRAWS resamples; the interval's resolution is one bin (0.35%
when the slowest sample is 1000x the fastest). The point estimate ``ratio`` is exact.

Verdict (``threshold`` t):

- ``regressed``: the whole interval lies above ``1 + t`` (slower by more than t, with
  significance);
- ``improved``: the whole interval lies below ``1 - t``;
- ``unchanged``: otherwise: either no change beyond t or not enough evidence for one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from bench.stats.summary import nearest_rank

VerdictKind = Literal["improved", "regressed", "unchanged"]
BOOTSTRAP_DRAWS = 2_000
BLOCKS = 50  # consecutive blocks a run is cut into for the block bootstrap
GRID_BINS = 2_000  # bootstrap resolution: bins 0.35% wide when the slowest is 1000x the fastest
CONFIDENCE = 0.95
_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?|100)$")


@dataclass(frozen=True)
class Verdict:
    """The outcome of comparing two sample sets on one metric."""

    kind: VerdictKind
    ratio: float  # new / base of the metric; > 1 is slower
    ci_low: float
    ci_high: float
    metric: str
    base_ms: float
    new_ms: float
    n_base: int
    n_new: int
    threshold: float
    confidence: float = CONFIDENCE
    units: str = "samples"  # what n counts: "samples" (block bootstrap), "processes", "rounds"


def metric_percentile(metric: str) -> float | None:
    """The percentile a metric name stands for (``p90`` -> 90.0, ``median`` -> 50.0), None for
    ``mean``; raises ``ValueError`` for anything else."""
    if metric == "mean":
        return None
    if metric == "median":
        return 50.0
    match = _PERCENTILE.match(metric)
    if match and 0 < float(match.group(1)) <= 100:
        return float(match.group(1))
    raise ValueError(f"unknown metric {metric!r}; use p50, p90, p95, p99, median or mean")


def metric_value(sorted_ns: np.ndarray, metric: str) -> float:
    """The metric of sorted samples (nearest-rank percentiles, as in ``bench.stats.summary``)."""
    p = metric_percentile(metric)
    return float(np.mean(sorted_ns)) if p is None else nearest_rank(sorted_ns, p)


def _grid(low: float, high: float) -> np.ndarray:
    """Bin edges shared by both sides: log-spaced, so each bin is a fixed relative width."""
    if low > 0:
        return np.geomspace(low, high, GRID_BINS + 1)
    return np.linspace(low, high, GRID_BINS + 1)


def _block_bootstrap(samples: np.ndarray, metric: str, grid: np.ndarray,
                     rng: np.random.Generator) -> np.ndarray:
    """BOOTSTRAP_DRAWS values of the metric over block-bootstrap resamples of ``samples``
    (in run order): the run is cut into BLOCKS consecutive blocks, and each resample draws
    that many blocks with replacement."""
    n = len(samples)
    m = min(BLOCKS, n)
    bounds = np.linspace(0, n, m + 1).astype(np.int64)
    picks = rng.integers(0, m, size=(BOOTSTRAP_DRAWS, m))
    rows = np.arange(BOOTSTRAP_DRAWS)[:, None] * m
    weights = np.bincount((rows + picks).ravel(), minlength=BOOTSTRAP_DRAWS * m
                          ).reshape(BOOTSTRAP_DRAWS, m).astype(np.float32)
    counts = np.diff(bounds).astype(np.float64)
    p = metric_percentile(metric)
    if p is None:
        return (weights @ np.add.reduceat(samples, bounds[:-1])) / (weights @ counts)
    if grid[0] == grid[-1]:
        return np.full(BOOTSTRAP_DRAWS, grid[0])
    # Each sample falls in the bin whose upper edge is the first at or above it; a block is
    # a histogram over the shared grid, a resample the weighted sum of its blocks'.
    bins = np.clip(np.searchsorted(grid, samples, side="left"), 0, len(grid) - 1)
    block = np.repeat(np.arange(m), np.diff(bounds))
    hist = np.bincount(block * len(grid) + bins, minlength=m * len(grid)
                       ).reshape(m, len(grid)).astype(np.float32)
    cumulative = np.cumsum(weights @ hist, axis=1)
    rank = np.maximum(1, np.ceil(p / 100 * (weights @ counts)))
    return grid[np.argmax(cumulative >= rank[:, None] - 1e-9, axis=1)]


def classify(base_ns: Sequence[int], new_ns: Sequence[int], metric: str = "p90",
             threshold: float = 0.05, seed: int = 0) -> Verdict:
    """Classify ``new`` against ``base`` (latency samples in ns, in run order) on ``metric``.

    Raises ``ValueError`` for an empty sample set, an unknown metric or a threshold outside
    [0, 1).
    """
    if len(base_ns) == 0 or len(new_ns) == 0:
        raise ValueError("both sample sets need at least one sample")
    if not 0 <= threshold < 1:
        raise ValueError(f"threshold {threshold} outside [0, 1)")
    base = np.asarray(base_ns, dtype=np.float64)
    new = np.asarray(new_ns, dtype=np.float64)
    base_value = metric_value(np.sort(base), metric)
    new_value = metric_value(np.sort(new), metric)
    grid = _grid(min(base.min(), new.min()), max(base.max(), new.max()))
    rng = np.random.default_rng(seed)
    ratios = (_block_bootstrap(new, metric, grid, rng)
              / _block_bootstrap(base, metric, grid, rng))
    alpha = 1 - CONFIDENCE
    low, high = (float(v) for v in np.quantile(ratios, [alpha / 2, 1 - alpha / 2]))
    ratio = new_value / base_value if base_value > 0 else math.inf
    kind: VerdictKind = "unchanged"
    if low > 1 + threshold:
        kind = "regressed"
    elif high < 1 - threshold:
        kind = "improved"
    return Verdict(kind=kind, ratio=ratio, ci_low=low, ci_high=high, metric=metric,
                   base_ms=base_value / 1e6, new_ms=new_value / 1e6, n_base=len(base),
                   n_new=len(new), threshold=threshold)
