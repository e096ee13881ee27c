"""The device fleet as Ray sees it: connecting, device resources, which devices are busy.

A device joins the fleet as a Ray node carrying one custom resource named after its device
profile, ``device:<profile name>`` (amount 1: one benchmark at a time on it)::

    ray start --address HEAD:6379 --resources '{"device:ai-phone-proto-7": 1}'

Ray is an optional dependency (``pip install 'edgebench[fleet]'``): it is imported here,
lazily, and nowhere else outside ``bench.lab.batch.ray_executor``.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from bench.errors import UsageError

DEVICE_PREFIX = "device:"
INSTALL_HINT = "pip install 'edgebench[fleet]'"
CLIENT_TRIES = 3


def device_resource(profile_name: str) -> str:
    """The Ray resource a device's node offers and each of its runs requests."""
    return f"{DEVICE_PREFIX}{profile_name}"


def device_of(key: str) -> str:
    """The profile name of a planned run (its key is profile/model/precision/scenario/n)."""
    return key.split("/", 1)[0]


def import_ray(flag: str = "--executor ray") -> ModuleType:
    """Ray, or a ``UsageError`` (exit 2) saying how to install it."""
    try:
        import ray
    except ImportError:
        raise UsageError(f"{flag} needs Ray, which is not installed: {INSTALL_HINT}") from None
    return ray


def resolve_address(address: str | None) -> str:
    """``--address``, else ``$RAY_ADDRESS``, else ``auto`` (a cluster started on this
    machine with ``ray start``); never a new private cluster, which would have no devices."""
    return address or os.environ.get("RAY_ADDRESS") or "auto"


def connect(address: str | None, flag: str = "--executor ray") -> tuple[ModuleType, bool]:
    """Ray connected to the fleet's cluster, and whether this call connected it (the caller
    then disconnects with ``ray.shutdown()``)."""
    ray = import_ray(flag)
    if ray.is_initialized():
        return ray, False
    target = resolve_address(address)
    # Ray Client's server starts a process per connection and sometimes fails one under
    # load ("Initialization failure from server"): try it up to three times.
    tries = CLIENT_TRIES if target.startswith("ray://") else 1
    error: Exception = ConnectionError("not tried")
    for attempt in range(1, tries + 1):
        try:
            ray.init(address=target, log_to_driver=False, logging_level=logging.ERROR)
            return ray, True
        except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
            error = exc
            if attempt < tries:
                time.sleep(2.0 * attempt)
    reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
    raise UsageError(f"--address {target}: cannot reach a Ray cluster ({reason}); start "
                     "one with 'ray start --head' or pass --address ray://HOST:10001")


@dataclass(frozen=True)
class DeviceNode:
    """One node of the cluster that offers at least one device."""

    node_id: str
    address: str
    hostname: str
    devices: tuple[str, ...]
    busy: tuple[str, ...]  # the devices whose unit is taken by a run right now

    @property
    def state(self) -> str:
        return "busy" if self.busy else "idle"


def _available_per_node(ray: ModuleType) -> dict[str, dict[str, float]] | None:
    try:  # a developer API of Ray; absent through Ray Client
        from ray._private.state import available_resources_per_node
        return dict(available_resources_per_node())
    except Exception:  # noqa: BLE001 - any failure means: not known per node
        return None


def device_capacity(nodes: list[dict[str, Any]]) -> dict[str, int]:
    """Units of each device over the alive nodes of ``ray.nodes()`` (pure)."""
    units: dict[str, int] = {}
    for node in nodes:
        if not node.get("Alive"):
            continue
        for name, amount in node.get("Resources", {}).items():
            if name.startswith(DEVICE_PREFIX):
                device = name[len(DEVICE_PREFIX):]
                units[device] = units.get(device, 0) + int(amount)
    return units


def device_nodes(nodes: list[dict[str, Any]],
                 available: dict[str, dict[str, float]] | None,
                 cluster_available: dict[str, float]) -> list[DeviceNode]:
    """The alive nodes offering devices, with busy/idle state (pure). ``available`` is per
    node when known; otherwise a device is busy when the cluster has none of it free."""
    found = []
    for node in nodes:
        totals = node.get("Resources", {})
        devices = tuple(sorted(n[len(DEVICE_PREFIX):] for n in totals
                               if n.startswith(DEVICE_PREFIX)))
        if not node.get("Alive") or not devices:
            continue
        free = (available or {}).get(node["NodeID"]) if available is not None else None
        source = cluster_available if free is None else free
        busy = tuple(d for d in devices
                     if source.get(device_resource(d), 0.0) < totals[device_resource(d)])
        found.append(DeviceNode(node["NodeID"], str(node.get("NodeManagerAddress", "")),
                                str(node.get("NodeManagerHostname", "")), devices, busy))
    return sorted(found, key=lambda n: (n.devices, n.node_id))


def fleet_status(address: str | None = None) -> list[DeviceNode]:
    """The devices connected to the cluster at ``address`` and whether each is busy."""
    ray, connected = connect(address, flag="fleet status")
    try:
        return device_nodes(ray.nodes(), _available_per_node(ray), ray.available_resources())
    finally:
        if connected:
            ray.shutdown()
