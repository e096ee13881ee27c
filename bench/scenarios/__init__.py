"""Scenarios: how queries are issued. One class per file, registered by name."""

from __future__ import annotations

# Scenario modules register themselves on import; list them here, explicitly.
from bench.scenarios import single_stream  # noqa: E402,F401
from bench.scenarios.base import Measurement, Scenario, get_scenario, list_scenarios, register

__all__ = ["Measurement", "Scenario", "get_scenario", "list_scenarios", "register"]
