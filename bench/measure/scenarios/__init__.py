"""Scenarios: how queries are issued. One module a scenario, a :class:`Scenario` subclass
registered by name (``registry``); importing this package registers the built-in ones,
listed here explicitly."""

from __future__ import annotations

from bench.measure.scenarios import (  # noqa: F401  (each registers its scenario)
    llm_server,
    multi_stream,
    offline,
    server,
    single_stream,
    token_generation,
)
from bench.measure.scenarios.base import Measurement, Scenario, Target
from bench.measure.scenarios.registry import (
    get_scenario,
    is_scenario,
    list_scenarios,
    register,
    unregister,
)

__all__ = ["Measurement", "Scenario", "Target", "get_scenario", "is_scenario",
           "list_scenarios", "register", "unregister"]
