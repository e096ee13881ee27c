"""Run as a smaller device on a bigger machine: pin to the profile's cores, cap memory and
threads, and say so in the report.

- cores: ``psutil.Process().cpu_affinity(cores)``; every thread onnxruntime starts after
  that inherits the mask. The cores must exist on this host.
- memory: ``RLIMIT_AS`` is set to the address space already mapped plus ``memory_limit``
  (capping the absolute figure would fail at once: the interpreter and onnxruntime map far
  more virtual memory than they touch); an allocation past it fails the workload. After the
  run, a peak resident set above ``memory_limit`` makes the result invalid.
- threads: intra-op threads are capped at the number of pinned cores.

Everything is restored on exit, so a batch of emulated runs can share one process.
"""

from __future__ import annotations

import contextlib
import resource
from collections.abc import Iterator

import psutil

from bench.errors import UsageError
from bench.result.models import Emulation
from bench.spec.device import DeviceProfile


def emulation_for(profile: DeviceProfile, host_cpus: list[int] | None = None) -> Emulation:
    """The limits ``--emulate`` applies for ``profile`` on this host; bad cores are refused."""
    usable = host_cpus if host_cpus is not None else sorted(psutil.Process().cpu_affinity())
    cores = profile.cores
    if cores is not None:
        absent = sorted(set(cores) - set(usable))
        if absent:
            raise UsageError(
                f"profile {profile.name!r}: cores {cores} cannot be emulated here: CPU "
                f"{', '.join(map(str, absent))} not available (this process may use "
                f"{', '.join(map(str, usable))}); write a profile that extends it with fewer "
                "cores")
    limit = profile.memory_limit if isinstance(profile.memory_limit, int) else None
    wanted = profile.intra_op_threads()
    wanted = None if wanted == "auto" else wanted  # the trial stays within the cores
    threads = len(cores) if cores else wanted
    if wanted is not None and threads is not None:
        threads = min(wanted, threads)
    return Emulation(cores=cores, memory_limit_bytes=limit, threads=threads)


def _mapped_bytes() -> int:
    return psutil.Process().memory_info().vms


@contextlib.contextmanager
def emulated(limits: Emulation | None) -> Iterator[None]:
    """Apply ``limits`` to this process for the duration of the block (None: no-op)."""
    if limits is None:
        yield
        return
    process = psutil.Process()
    old_affinity = process.cpu_affinity()
    old_as = resource.getrlimit(resource.RLIMIT_AS)
    try:
        if limits.cores:
            process.cpu_affinity(list(limits.cores))
        if limits.memory_limit_bytes:
            cap = _mapped_bytes() + limits.memory_limit_bytes
            hard = old_as[1]
            resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY
                                                    else min(cap, hard), hard))
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, old_as)
        process.cpu_affinity(old_affinity)


def over_memory(limits: Emulation | None, peak_rss_bytes: int | None) -> str | None:
    """Why a result is invalid under emulation (peak RSS above the device's memory), or None."""
    if limits is None or not limits.memory_limit_bytes or peak_rss_bytes is None:
        return None
    if peak_rss_bytes <= limits.memory_limit_bytes:
        return None
    return (f"peak RSS {peak_rss_bytes / 2**20:.0f} MiB exceeds the emulated device's "
            f"memory_limit {limits.memory_limit_bytes / 2**20:.0f} MiB")
