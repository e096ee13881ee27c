"""The CPUs this process may run on: its affinity (``--emulate`` pins it to a profile's
cores), or every logical CPU where the platform has no affinity."""

from __future__ import annotations

import os


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
