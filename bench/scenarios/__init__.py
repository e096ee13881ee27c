"""Scenarios: how queries are issued. One class per file, registered by name."""

from __future__ import annotations

from bench.scenarios.base import Measurement, Scenario, get_scenario, list_scenarios, register

# Scenario modules register themselves on import; list them here, explicitly.
from bench.scenarios import single_stream  # noqa: E402,F401

__all__ = ["Measurement", "Scenario", "get_scenario", "list_scenarios", "register"]
