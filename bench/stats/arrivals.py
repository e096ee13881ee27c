"""Arrival schedules for open-loop scenarios (the server's Poisson process)."""

from __future__ import annotations

import numpy as np


def poisson_arrivals_ns(rate_per_s: float, count: int, rng: np.random.Generator,
                        offset_ns: int = 0) -> np.ndarray:
    """``count`` arrival times (ns, increasing, after ``offset_ns``) of a Poisson process of
    ``rate_per_s``: exponential inter-arrival times with mean 1/rate (as MLPerf's server)."""
    if rate_per_s <= 0:
        raise ValueError("rate must be positive")
    gaps = rng.exponential(1e9 / rate_per_s, size=count)
    return offset_ns + np.cumsum(gaps).astype(np.int64)
