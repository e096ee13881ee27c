"""Is a new latency sample set slower than a base one? Pure functions over values.

Method: a **bootstrap confidence interval of the ratio new/base of the chosen metric** (a
percentile, by default p90, or the mean), seeded so the same inputs give the same verdict.

Why a bootstrap of the ratio rather than Mann-Whitney U: the question a benchmark asks is
"did the p90 move, and by how much", in the unit the threshold is written in (``5%``).
Mann-Whitney tests whether one distribution is stochastically larger than the other; it says
nothing about the size of a change in a tail percentile and, on 10^5 samples, calls a 0.1%
shift of the median "significant". The ratio's interval answers both at once.

The percentile of a bootstrap resample is drawn exactly and cheaply, without building the
resample: the k-th smallest of n draws from the empirical distribution is x(ceil(n U)) with
U ~ Beta(k, n - k + 1), the k-th order statistic of n uniforms (inverse-CDF sampling is
monotone, so order statistics map through it). This costs O(B), not O(B n), so a run with
hundreds of thousands of samples is classified in milliseconds.

Verdict (``threshold`` t, confidence 95%, two-sided):

- ``regressed``: the whole interval lies above ``1 + t`` (slower by more than t, with
  significance);
- ``improved``: the whole interval lies below ``1 - t``;
- ``unchanged``: otherwise: either no change beyond t or not enough evidence for one.

Requiring the whole interval beyond the threshold (not just the point estimate) is what keeps
run-to-run noise from being called a regression. Samples within one run are treated as
independent draws; they are not quite (a burst of load slows neighbours), which makes the
interval somewhat narrow; the threshold is the margin that absorbs that.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from bench.stats import nearest_rank

VerdictKind = Literal["improved", "regressed", "unchanged"]
BOOTSTRAP_DRAWS = 10_000
CONFIDENCE = 0.95
_MEAN_CHUNK_VALUES = 2_000_000  # mean: resample at most this many values at a time
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
    """The metric of sorted samples (nearest-rank percentiles, as in ``bench.stats``)."""
    p = metric_percentile(metric)
    return float(np.mean(sorted_ns)) if p is None else nearest_rank(sorted_ns, p)


def _bootstrap(sorted_ns: np.ndarray, metric: str, rng: np.random.Generator) -> np.ndarray:
    n = len(sorted_ns)
    p = metric_percentile(metric)
    if p is None:
        chunk = max(1, min(BOOTSTRAP_DRAWS, _MEAN_CHUNK_VALUES // n))
        draws = []
        left = BOOTSTRAP_DRAWS
        while left > 0:
            size = min(chunk, left)
            draws.append(rng.choice(sorted_ns, size=(size, n)).mean(axis=1))
            left -= size
        return np.concatenate(draws)
    k = max(1, math.ceil(p / 100 * n))
    u = rng.beta(k, n - k + 1, size=BOOTSTRAP_DRAWS)
    index = np.clip(np.ceil(u * n).astype(np.int64) - 1, 0, n - 1)
    return sorted_ns[index]


def classify(base_ns: Sequence[int], new_ns: Sequence[int], metric: str = "p90",
             threshold: float = 0.05, seed: int = 0) -> Verdict:
    """Classify ``new`` against ``base`` (latency samples in ns) on ``metric``.

    Raises ``ValueError`` for an empty sample set, an unknown metric or a threshold outside
    [0, 1).
    """
    if len(base_ns) == 0 or len(new_ns) == 0:
        raise ValueError("both sample sets need at least one sample")
    if not 0 <= threshold < 1:
        raise ValueError(f"threshold {threshold} outside [0, 1)")
    base = np.sort(np.asarray(base_ns, dtype=np.float64))
    new = np.sort(np.asarray(new_ns, dtype=np.float64))
    base_value, new_value = metric_value(base, metric), metric_value(new, metric)
    rng = np.random.default_rng(seed)
    ratios = _bootstrap(new, metric, rng) / _bootstrap(base, metric, rng)
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
