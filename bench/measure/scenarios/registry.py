"""The registry of scenarios: a scenario class registers under its name with
:func:`register`; a duplicate name raises. Settings validation (``RunSettings``), the
planner, the engine and the report writers all ask the registry, never a table of their
own, so a new scenario is one module (and a test can register a throw-away one)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from bench.errors import did_you_mean

if TYPE_CHECKING:
    from bench.measure.scenarios.base import Scenario

S = TypeVar("S", bound="type[Scenario]")

_SCENARIOS: dict[str, type[Scenario]] = {}


def register(name: str) -> Callable[[S], S]:
    """Register a scenario class under ``name`` (also set as its ``name``)."""

    def decorate(cls: S) -> S:
        if name in _SCENARIOS:
            raise ValueError(f"scenario {name!r} is already registered")
        cls.name = name
        _SCENARIOS[name] = cls
        return cls

    return decorate


def unregister(name: str) -> None:
    """Remove a scenario (for tests that register a throw-away one)."""
    _SCENARIOS.pop(name, None)


def get_scenario(name: str) -> Scenario:
    """A fresh instance of the scenario ``name``; ``ValueError`` with a hint if unknown."""
    try:
        return _SCENARIOS[name]()
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}" + did_you_mean(name, _SCENARIOS)
                         + f"; choose from {', '.join(sorted(_SCENARIOS))}") from None


def is_scenario(name: str) -> bool:
    return name in _SCENARIOS


def list_scenarios() -> list[str]:
    return sorted(_SCENARIOS)
