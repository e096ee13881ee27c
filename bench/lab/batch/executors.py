"""Choosing an executor by name: ``local`` (the default) or ``ray`` (a device fleet).

The Ray executor's module, and Ray itself, are imported only when ``ray`` is chosen, so the
core install never needs Ray.
"""

from __future__ import annotations

from bench.errors import UsageError
from bench.lab.batch.executor import Executor, LocalExecutor

EXECUTORS = ("local", "ray")
DEFAULT_RETRIES = 2


def build_executor(name: str = "local", address: str | None = None,
                   retries: int | None = None) -> Executor:
    """The executor called ``name``; a ``UsageError`` names the flag that does not fit."""
    if name == "local":
        if address is not None:
            raise UsageError(f"--address {address}: only with --executor ray (the local "
                             "executor runs every run on this machine)")
        if retries is not None:
            raise UsageError("--retries: only with --executor ray (it retries runs whose "
                             "device node died)")
        return LocalExecutor()
    if name == "ray":
        from bench.lab.batch.cluster import import_ray
        from bench.lab.batch.ray_executor import RayExecutor
        import_ray()  # fail now, with the install hint, not halfway into the batch
        return RayExecutor(address, DEFAULT_RETRIES if retries is None else retries)
    raise UsageError(f"--executor {name}: unknown; choose one of {', '.join(EXECUTORS)}")
