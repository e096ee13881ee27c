"""Single-stream (MLPerf): one query at a time; the next is issued when the last completes.
Headline: the 90th percentile of query latency.

The run ends as described in :mod:`bench.measure.scenarios.base` (targets, early stopping,
hard limit). Only the ``run()`` call is inside the timed region; the garbage collector is
off during the loop, and the sample buffers are preallocated numpy arrays (grown, rarely,
outside the timed region).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping
from time import perf_counter_ns
from typing import TYPE_CHECKING

import numpy as np

from bench.measure.scenarios.base import (
    ENDED_BY_MAX_DURATION,
    ENDED_BY_TARGETS,
    Measurement,
    RunFn,
    Scenario,
    Stopper,
    Target,
    Tick,
    expected_queries,
    warm_up,
)
from bench.measure.scenarios.registry import register
from bench.result.figures import Figures

if TYPE_CHECKING:
    from bench.spec import RunSettings

__all__ = ["ENDED_BY_MAX_DURATION", "ENDED_BY_TARGETS", "SingleStream", "timed_loop"]

Query = Callable[[], object]


def timed_loop(query: Query, settings: RunSettings, percentile: float,
               tick: Tick | None, samples_per_query: int = 1,
               figures: Figures | None = None) -> Measurement:
    """Warm up, then issue ``query`` back to back until the stopper says so."""
    warmup = warm_up(query, settings.warmup)
    typical = min(warmup) if warmup else 1_000_000
    capacity = expected_queries(settings, typical)
    samples = np.zeros(capacity, dtype=np.int64)
    ends = np.zeros(capacity, dtype=np.int64)
    count = 0
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = perf_counter_ns()
        stopper = Stopper(settings, start, percentile, tick)
        while True:
            t0 = perf_counter_ns()
            query()
            t1 = perf_counter_ns()
            samples[count] = t1 - t0
            ends[count] = t1
            count += 1
            ended_by = stopper.check(t1, count, samples)
            if ended_by is not None:
                break
            if count == capacity:
                samples = np.concatenate([samples, np.zeros_like(samples)])
                ends = np.concatenate([ends, np.zeros_like(ends)])
                capacity *= 2
    finally:
        if gc_was_enabled:
            gc.enable()
    return Measurement(
        samples_ns=tuple(samples[:count].tolist()), warmup_samples_ns=warmup,
        duration_ns=t1 - start, ended_by=ended_by, samples_per_query=samples_per_query,
        ends_ns=tuple((ends[:count] - start).tolist()), headline_percentile=percentile,
        ci=stopper.final_ci(samples, count), figures=figures)


@register("single-stream")
class SingleStream(Scenario):
    headline = "p90 latency"
    percentile = 90.0
    loadgen = "SingleStream"

    def run(self, infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
            tick: Tick | None = None, target: Target | None = None) -> Measurement:
        return timed_loop(lambda: infer(None, feeds), settings, self.percentile, tick)
