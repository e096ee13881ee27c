"""Scenarios: how queries are issued. One class per file, registered by name."""

from __future__ import annotations

# Scenario modules register themselves on import; list them here, explicitly.
from bench.measure.scenarios import (  # noqa: E402,F401
    multi_stream,
    offline,
    server,
    single_stream,
    token_generation,
)
from bench.measure.scenarios.base import (
    Measurement,
    Scenario,
    Target,
    get_scenario,
    list_scenarios,
    register,
)

__all__ = ["Measurement", "Scenario", "Target", "get_scenario", "list_scenarios", "register"]
