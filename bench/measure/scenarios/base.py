"""What every scenario shares: the :class:`Scenario` a module subclasses (it owns its
settings and their validation, headline, batching rule, typed figures, validity rules,
LoadGen mapping and report section), the target it drives, the measurement it returns, and
the rule that ends a run.

Ending a run (every scenario, MLPerf semantics):

- a run ends once BOTH ``duration_s`` and ``min_queries`` are met (``ENDED_BY_TARGETS``);
- with ``ci_target`` set, it ends instead as soon as ``min_queries`` are met and the 95 %
  confidence interval of the headline percentile is within ``ci_target`` of its value
  (``ENDED_BY_CI``), checked at most every 0.25 s outside the timed region; it then
  ignores ``duration_s`` in both directions;
- it always ends at ``max_duration_s`` (``ENDED_BY_MAX_DURATION``);
- ``sustained_s`` replaces ``duration_s`` (and raises ``max_duration_s`` to it), with no
  early stopping: the point is to run long enough to see throttling.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter_ns
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from bench.result.figures import Figures, LoadgenResult
from bench.result.llm import LlmMetrics
from bench.stats.intervals import BATCH_MIN_N, PercentileCI, percentile_ci

if TYPE_CHECKING:
    from bench.measure.decoding import DecoderLayout
    from bench.result.models import RunResult
    from bench.spec import RunSettings
    from bench.zoo.graph import GraphInput

# InferenceSession.run(None, feeds): onnxruntime returns a list with one entry per output,
# numpy arrays for tensors and lists or dicts for non-tensor outputs (ZipMap's seq(map)), so
# its element type is not narrower than Any.
RunFn = Callable[[None, Mapping[str, np.ndarray]], list[Any]]
Tick = Callable[[float, int], None]  # (elapsed seconds, queries so far)
Shapes = dict[str, tuple[int, ...]]

ENDED_BY_TARGETS = "min_duration and min_queries met"
ENDED_BY_MAX_DURATION = "max_duration reached"
ENDED_BY_CI = "early stopping: confidence interval within ci_target"
CHECK_NS = 250_000_000  # how often (at most) the CI is checked and progress ticks


@dataclass(frozen=True)
class Target:
    """What a scenario may drive beyond one ``run`` function: more sessions (other thread
    counts, for the offline sweep) and the names and dims of the model's inputs/outputs."""

    open: Callable[[int | None], RunFn]  # threads -> a new session's run
    input_dims: Mapping[str, tuple[int | str | None, ...]]
    output_names: tuple[str, ...]
    model: str = ""
    path: Path | None = None  # the model file
    decoder: DecoderLayout | None = None  # a decoder scenario's I/O convention (planned)


@dataclass(frozen=True)
class Measurement:
    """Raw timings of one measured run; summaries are derived later, never stored here."""

    samples_ns: tuple[int, ...]
    warmup_samples_ns: tuple[int, ...]
    duration_ns: int
    ended_by: str
    samples_per_query: int = 1
    ends_ns: tuple[int, ...] = ()  # completion time of each query, ns since the run start
    headline_percentile: float = 90.0
    ci: PercentileCI | None = None  # the interval reached when the run ended
    figures: Figures | None = None  # the scenario's own typed figures (its report record)
    loadgen: LoadgenResult | None = None  # set when MLPerf LoadGen drove the run
    llm: LlmMetrics | None = None  # a decoder scenario's LLM figures (bench/result/llm.py)


class Scenario:
    """A way of issuing queries. A subclass registers with ``@register(name)`` and
    overrides what differs from these defaults (a closed-loop latency scenario)."""

    name: ClassVar[str] = ""
    headline: ClassVar[str] = "p90 latency"  # the figure the scenario is judged by
    percentile: ClassVar[float] = 90.0  # the latency percentile behind the headline
    # the RunResult field holding the headline value (a dotted path), and its direction
    headline_field: ClassVar[str] = "latency_ms.p90"
    higher_is_better: ClassVar[bool] = False
    uses: ClassVar[tuple[str, ...]] = ()  # the RunSettings scenario fields it reads
    loadgen: ClassVar[str | None] = None  # MLPerf LoadGen's TestScenario, if it has one
    concurrent: ClassVar[bool] = False  # queries overlap: rates, not latencies, add up
    # each query issued when the last completed: the running sum of latencies is the timeline
    back_to_back: ClassVar[bool] = True
    result_field: ClassVar[str] = "scenario_figures"  # the RunResult field of its figures
    decoder: ClassVar[bool] = False  # drives a decoder: the planner fixes its first step

    def check_settings(self, settings: RunSettings) -> None:
        """Raise ``ValueError`` for settings this scenario refuses (while validating)."""

    def check_model(self, model: str, inputs: Sequence[GraphInput],
                    settings: RunSettings) -> None:
        """Raise ``InputError`` for a model this scenario cannot drive (while planning)."""

    def batch(self, settings: RunSettings) -> int:
        """Samples fed along a dynamic first (batch) dimension per ``run()``."""
        return 1

    def run(self, infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
            tick: Tick | None = None, target: Target | None = None) -> Measurement:
        raise NotImplementedError

    def validity(self, settings: RunSettings, measured: Measurement) -> list[str]:
        """Why a measured run is invalid by this scenario's own rules (empty: valid)."""
        return []

    def roofline_query(self, settings: RunSettings, measured: Measurement,
                       shapes: Shapes) -> tuple[Shapes, float]:
        """The input shapes whose FLOPs make one query's work, and the factor to apply."""
        return shapes, 1.0

    def section(self, result: RunResult) -> list[str]:
        """Lines of the scenario's own figures for ``report.md`` (plain text)."""
        return []


def warm_up(query: Callable[[], object], count: int) -> tuple[int, ...]:
    """Issue ``count`` warm-up queries; their latencies are reported apart."""
    warmup = [0] * count
    for i in range(count):
        t0 = perf_counter_ns()
        query()
        warmup[i] = perf_counter_ns() - t0
    return tuple(warmup)


def limits(settings: RunSettings) -> tuple[float, float, float | None]:
    """(min duration s, hard limit s, ci target) after ``sustained_s`` is applied."""
    if settings.sustained_s is not None:
        return (settings.sustained_s, max(settings.max_duration_s, settings.sustained_s),
                None)
    return settings.duration_s, settings.max_duration_s, settings.ci_target


class Stopper:
    """Decides, between queries, whether a run has ended. ``check`` is cheap except every
    0.25 s, when it may compute the percentile's CI over the samples so far."""

    def __init__(self, settings: RunSettings, start_ns: int, percentile: float,
                 tick: Tick | None = None) -> None:
        min_s, max_s, self.ci_target = limits(settings)
        self.min_queries = settings.min_queries
        self.min_end = start_ns + int(min_s * 1e9)
        self.hard_end = start_ns + int(max_s * 1e9)
        self.start = start_ns
        self.percentile = percentile
        self.next_check = start_ns + CHECK_NS
        self.tick = tick
        self.ci: PercentileCI | None = None

    def check(self, now_ns: int, count: int,
              samples: np.ndarray | Callable[[], np.ndarray]) -> str | None:
        """The reason the run ends now, or None to go on. ``samples[:count]`` are the
        latencies so far (used for the CI only; a callable is called only when needed)."""
        if count >= self.min_queries and self.ci_target is None and now_ns >= self.min_end:
            return ENDED_BY_TARGETS
        if now_ns >= self.hard_end:
            return ENDED_BY_MAX_DURATION
        if now_ns >= self.next_check:
            self.next_check = now_ns + CHECK_NS
            if self.tick is not None:
                self.tick((now_ns - self.start) / 1e9, count)
            if (self.ci_target is not None and count >= self.min_queries
                    and count >= BATCH_MIN_N):  # the batch-means interval needs this many
                values = samples() if callable(samples) else samples
                self.ci = percentile_ci(values[:count], self.percentile)
                if self.ci.within(self.ci_target):
                    return ENDED_BY_CI
        return None

    def final_ci(self, samples: np.ndarray, count: int) -> PercentileCI | None:
        """The interval at the end of the run (computed afresh over every sample)."""
        if count == 0:
            return None
        return percentile_ci(samples[:count], self.percentile)


def expected_queries(settings: RunSettings, typical_ns: int) -> int:
    """A buffer size that rarely needs to grow: queries in the min duration, plus a margin."""
    min_s, max_s, _ = limits(settings)
    typical = max(typical_ns, 1_000)
    expected = max(settings.min_queries, min_s * 1e9 / typical * 1.25)
    ceiling = max_s * 1e9 / typical * 1.25  # a huge min_queries never allocates past this
    return int(min(expected, ceiling)) + 16
