"""Multi-stream (MLPerf): each query carries ``samples_per_query`` samples (default 8) and
the next query is issued when the last completes; a query's latency is the time until its
slowest sample is done. Headline: the 99th percentile of query latency.

How the samples of one query are run: when the model has a dynamic batch dimension the
planner feeds all N samples as one batch of N (one ``run()`` per query, as MLPerf's mobile
harness batches them); otherwise the N samples run one after another inside the timed
region, so the query ends when the last (the slowest to complete) sample does.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bench.measure.scenarios.base import Measurement, RunFn, Target, Tick, register
from bench.measure.scenarios.single_stream import timed_loop
from bench.spec import RunSettings


def batched(feeds: Mapping[str, np.ndarray], target: Target | None, n: int) -> bool:
    """Whether the feeds already carry ``n`` samples along a dynamic first dimension."""
    if target is None or n == 1:
        return n == 1
    dynamic = [name for name, dims in target.input_dims.items()
               if dims and not isinstance(dims[0], int)]
    return bool(dynamic) and all(feeds[name].shape[0] == n for name in dynamic)


@register("multi-stream")
class MultiStream:
    name = "multi-stream"
    percentile = 99.0

    def run(self, infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
            tick: Tick | None = None, target: Target | None = None) -> Measurement:
        n = settings.samples_per_query
        if batched(feeds, target, n):
            def query() -> None:
                infer(None, feeds)
            mode = "one batch of N"
        else:
            def query() -> None:
                for _ in range(n):
                    infer(None, feeds)
            mode = "N runs one after another"
        return timed_loop(query, settings, self.percentile, tick, samples_per_query=n,
                          details={"samples_per_query": n, "samples_run_as": mode})
