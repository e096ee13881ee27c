"""Fingerprint of the machine: what a report must say about where it was measured."""

from __future__ import annotations

import platform
from functools import lru_cache

import psutil

from bench import session
from bench.result import HostInfo


@lru_cache(maxsize=1)
def _cpu_model() -> str:
    import cpuinfo  # py-cpuinfo; imported late: it takes about a second to probe

    info = cpuinfo.get_cpu_info()
    return str(info.get("brand_raw") or platform.processor() or "unknown")


def fingerprint() -> HostInfo:
    uname = platform.uname()
    return HostInfo(
        cpu_model=_cpu_model(),
        logical_cores=psutil.cpu_count(logical=True) or 1,
        physical_cores=psutil.cpu_count(logical=False),
        memory_bytes=psutil.virtual_memory().total,
        os=f"{uname.system} {uname.release}",
        kernel=uname.version,
        machine=uname.machine,
        python=platform.python_version(),
        onnxruntime=session.runtime_version(),
        providers=session.available_providers(),
    )
