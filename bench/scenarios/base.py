"""What every scenario shares: the measurement it returns and the registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from bench.spec import RunSettings

RunFn = Callable[[None, Mapping[str, np.ndarray]], Any]  # InferenceSession.run
Tick = Callable[[float, int], None]  # (elapsed seconds, queries so far)


@dataclass(frozen=True)
class Measurement:
    """Raw timings of one measured run; summaries are derived later, never stored here."""

    samples_ns: tuple[int, ...]
    warmup_samples_ns: tuple[int, ...]
    duration_ns: int
    ended_by: str
    samples_per_query: int = 1


class Scenario(Protocol):
    name: str

    def run(self, infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
            tick: Tick | None = None) -> Measurement: ...


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
