"""What every scenario shares: the target it drives, the measurement it returns, the rule
that ends a run, and the registry.

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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from bench.spec import RunSettings
from bench.stats.intervals import BATCH_MIN_N, PercentileCI, percentile_ci

RunFn = Callable[[None, Mapping[str, np.ndarray]], Any]  # InferenceSession.run
Tick = Callable[[float, int], None]  # (elapsed seconds, queries so far)

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
    details: Mapping[str, Any] = field(default_factory=dict)  # scenario-specific figures


class Scenario(Protocol):
    name: str

    def run(self, infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
            tick: Tick | None = None, target: Target | None = None) -> Measurement: ...


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


_SCENARIOS: dict[str, type[Scenario]] = {}


def register(name: str) -> Callable[[type[Scenario]], type[Scenario]]:
    def decorate(cls: type[Scenario]) -> type[Scenario]:
        if name in _SCENARIOS:
            raise ValueError(f"scenario {name!r} is already registered")
        cls.name = name
        _SCENARIOS[name] = cls
        return cls

    return decorate


def get_scenario(name: str) -> Scenario:
    return _SCENARIOS[name]()


def list_scenarios() -> list[str]:
    return sorted(_SCENARIOS)
