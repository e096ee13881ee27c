"""Reading the process level of a result: a field by its dotted path, each process's
samples, each process's value of a metric, and whether a result is unstable. Pure
functions over ``RunResult``; ``compare``, ``ab``, the catalog and ``score`` use them."""

from __future__ import annotations

import numpy as np

from bench.result.models import RunResult
from bench.stats.significance import metric_value


def field_value(result: RunResult, path: str) -> float | None:
    """The number at a dotted path of a result (``latency_ms.p90``), or None."""
    value: object = result
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def process_samples(result: RunResult) -> list[list[int]]:
    """Each successful process's own samples (ns, in order), cut from ``samples_ns``;
    one list with every sample when the result was measured in one process."""
    if result.processes is None:
        return [list(result.samples_ns)] if result.samples_ns else []
    runs = [r for r in result.processes.runs if r.status == "ok" and r.queries]
    return [list(result.samples_ns[r.first_sample:r.first_sample + r.queries]) for r in runs]


def process_values(result: RunResult, metric: str) -> list[float]:
    """Each successful process's value of a latency ``metric`` (``p90``, ``mean``, in ms)."""
    values = []
    for samples in process_samples(result):
        values.append(metric_value(np.sort(np.asarray(samples, dtype=np.float64)), metric)
                      / 1e6)
    return values


def is_multi_process(result: RunResult) -> bool:
    """Whether the result rests on at least two successful fresh processes."""
    return result.processes is not None and sum(
        r.status == "ok" for r in result.processes.runs) >= 2


def unstable(result: RunResult) -> bool:
    return result.stability is not None and result.stability.verdict == "unstable"


def most_drift(result: RunResult) -> float | None:
    """The largest drift of its processes (how far the speed moved inside one), if known."""
    drifts = [run.drift for run in (result.processes.runs if result.processes else [])
              if run.drift is not None]
    return max(drifts) if drifts else None
