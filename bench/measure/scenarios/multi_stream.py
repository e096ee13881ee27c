"""Multi-stream (MLPerf): each query carries ``samples_per_query`` samples (default 8) and
the next query is issued when the last completes; a query's latency is the time until its
slowest sample is done. Headline: the 99th percentile of query latency.

How the samples of one query are run: when the model has a dynamic batch dimension the
planner feeds all N samples as one batch of N (one ``run()`` per query, as MLPerf's mobile
harness batches them: :meth:`MultiStream.batch`); otherwise the N samples run one after
another inside the timed region, so the query ends when the last (the slowest to complete)
sample does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from bench.measure.scenarios.base import Measurement, RunFn, Scenario, Shapes, Target, Tick
from bench.measure.scenarios.registry import register
from bench.measure.scenarios.single_stream import timed_loop
from bench.result.figures import MultiStreamFigures

if TYPE_CHECKING:
    from bench.result.models import RunResult
    from bench.spec import RunSettings

ONE_BATCH = "one batch of N"
ONE_AFTER_ANOTHER = "N runs one after another"


def batched(feeds: Mapping[str, np.ndarray], target: Target | None, n: int) -> bool:
    """Whether the feeds already carry ``n`` samples along a dynamic first dimension."""
    if target is None or n == 1:
        return n == 1
    dynamic = [name for name, dims in target.input_dims.items()
               if dims and not isinstance(dims[0], int)]
    return bool(dynamic) and all(feeds[name].shape[0] == n for name in dynamic)


@register("multi-stream")
class MultiStream(Scenario):
    headline = "p99 query latency"
    percentile = 99.0
    headline_field = "latency_ms.p99"
    uses = ("samples_per_query",)
    loadgen = "MultiStream"
    result_field = "multi_stream"

    def batch(self, settings: RunSettings) -> int:
        return settings.samples_per_query

    def run(self, infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
            tick: Tick | None = None, target: Target | None = None) -> Measurement:
        n = settings.samples_per_query
        if batched(feeds, target, n):
            def query() -> None:
                infer(None, feeds)
            mode = ONE_BATCH
        else:
            def query() -> None:
                for _ in range(n):
                    infer(None, feeds)
            mode = ONE_AFTER_ANOTHER
        return timed_loop(query, settings, self.percentile, tick, samples_per_query=n,
                          figures=MultiStreamFigures(samples_per_query=n, samples_run_as=mode))

    def roofline_query(self, settings: RunSettings, measured: Measurement,
                       shapes: Shapes) -> tuple[Shapes, float]:
        figures = measured.figures
        one_batch = isinstance(figures, MultiStreamFigures) and figures.samples_run_as == ONE_BATCH
        return shapes, 1.0 if one_batch else float(settings.samples_per_query)

    def section(self, result: RunResult) -> list[str]:
        m = result.multi_stream
        return [f"{m.samples_per_query} samples per query, run as {m.samples_run_as}"] if m else []
