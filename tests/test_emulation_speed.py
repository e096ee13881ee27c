"""Emulating 1 core makes a multi-threaded model slower than 2 cores (wall clock: slow
marker, outside the default run; the numbers are printed by benchmarks/emulation.py)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "emulation.py"


@pytest.mark.slow
def test_one_emulated_core_is_slower_than_two(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [str(BENCHMARK), "--rounds", "3", "--duration", "3"])
    main = runpy.run_path(str(BENCHMARK))["main"]
    assert main() == 0, "1-core p50 was not at least 1.2x the 2-core p50 in every round"
