"""A starter device profile for this host: what ``edgebench devices detect`` writes."""

from __future__ import annotations

import yaml

from bench.device.providers import SHORT_NAMES
from bench.result.models import HostInfo

STARTER_WORKLOADS = ("tiny_cnn", "tiny_mlp", "tiny_text")


def starter_profile(info: HostInfo, name: str = "my-host") -> dict[str, object]:
    """A profile dict (valid ``DeviceProfile``) using the providers and cores found here."""
    providers = [{"name": SHORT_NAMES[p]} for p in info.providers
                 if p in SHORT_NAMES and p != "CPUExecutionProvider"]
    providers.append({"name": "cpu"})
    category = "phone" if info.machine.startswith(("arm", "aarch")) and info.battery else "pc"
    return {
        "name": name,
        "category": category,
        "description": f"{info.cpu_model}, {info.logical_cores} logical cores, "
                       f"{info.memory_bytes / 2**30:.0f} GiB (detected)",
        "execution_providers": providers,
        "fallback": "allow",
        "threads": {"intra_op": info.physical_cores or info.logical_cores, "inter_op": 1},
        "cores": info.affinity or list(range(info.logical_cores)),
        "memory_limit": info.memory_bytes,
        "graph_optimization_level": "all",
        "precisions": ["fp32"],
        "workloads": [{"model": m, "quick": True} for m in STARTER_WORKLOADS],
        "collectors": ["memory", "cpu", "energy", "temperature"],
    }


def render_profile(data: dict[str, object]) -> str:
    head = ("# Written by 'edgebench devices detect': a starting point; edit the workloads,\n"
            "# check with 'edgebench devices validate FILE'.\n")
    return head + yaml.safe_dump(data, sort_keys=False, default_flow_style=None)
