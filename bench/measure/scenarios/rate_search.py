"""The search for the highest valid arrival rate (``--find-max-qps``, ``--find-max-rate``):
start at a rate, double while a short trial is valid, then bisect between the highest
valid and the lowest invalid rate, for a fixed number of trials. The trial is the caller's
(a server run, an LLM serving run); this is only the search."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def search_rate(start: float, steps: int,
                trial: Callable[[int, float], tuple[T, bool]]) -> tuple[float, list[T]]:
    """``trial(index, rate)`` gives its record and whether the rate was valid. Returns the
    highest valid rate (the lowest tried when none was) and every trial's record."""
    low, high, rate, growing = 0.0, start, start, True
    tried: list[float] = []
    records: list[T] = []
    for index in range(steps):
        record, valid = trial(index, rate)
        records.append(record)
        tried.append(rate)
        if valid:
            low = rate
        else:
            high, growing = rate, False
        rate = rate * 2 if growing else (low + high) / 2
    return (low if low > 0 else min(tried)), records
