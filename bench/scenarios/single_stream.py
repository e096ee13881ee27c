"""Single-stream (MLPerf): one query at a time; the next is issued when the last completes.

The run ends once BOTH ``duration_s`` and ``min_queries`` are met, or at ``max_duration_s``
(the report then says so and the result is invalid when min_queries was not reached).
Only the ``run()`` call is inside the timed region; the garbage collector is off during
the loop, and the sample buffer is preallocated (grown, rarely, outside the timed region).
"""

from __future__ import annotations

import gc
from collections.abc import Mapping
from time import perf_counter_ns

import numpy as np

from bench.scenarios.base import Measurement, RunFn, Tick, register
from bench.spec import RunSettings

ENDED_BY_TARGETS = "min_duration and min_queries met"
ENDED_BY_MAX_DURATION = "max_duration reached"
_TICK_NS = 250_000_000


@register("single-stream")
class SingleStream:
    name = "single-stream"

    def run(self, infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
            tick: Tick | None = None) -> Measurement:
        warmup = [0] * settings.warmup
        for i in range(settings.warmup):
            t0 = perf_counter_ns()
            infer(None, feeds)
            warmup[i] = perf_counter_ns() - t0

        typical = max(min(warmup) if warmup else 1_000_000, 1_000)
        expected = max(settings.min_queries, settings.duration_s * 1e9 / typical * 1.25)
        ceiling = settings.max_duration_s * 1e9 / typical * 1.25
        capacity = int(min(expected, ceiling)) + 16
        samples = [0] * capacity
        count = 0
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            start = perf_counter_ns()
            min_end = start + int(settings.duration_s * 1e9)
            hard_end = start + int(settings.max_duration_s * 1e9)
            next_tick = start + _TICK_NS
            while True:
                t0 = perf_counter_ns()
                infer(None, feeds)
                t1 = perf_counter_ns()
                samples[count] = t1 - t0
                count += 1
                if count >= settings.min_queries and t1 >= min_end:
                    ended_by = ENDED_BY_TARGETS
                    break
                if t1 >= hard_end:
                    ended_by = ENDED_BY_MAX_DURATION
                    break
                if count == capacity:
                    samples.extend([0] * capacity)
                    capacity *= 2
                if tick is not None and t1 >= next_tick:
                    tick((t1 - start) / 1e9, count)
                    next_tick = t1 + _TICK_NS
            end = t1
        finally:
            if gc_was_enabled:
                gc.enable()
        return Measurement(tuple(samples[:count]), tuple(warmup), end - start, ended_by)
