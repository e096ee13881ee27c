"""The per-operator breakdown of onnxruntime's profiler trace (Chrome trace JSON).

The trace holds one ``"cat": "Node"`` event per operator execution, named
``<node>_kernel_time`` with ``args.op_name`` (the op type) and ``args.provider``, and one
``"cat": "Session"`` event ``model_run`` per ``run()``. Operators are ranked by their total
kernel time over every profiled run; ``percent_of_run`` is that total over the summed
``model_run`` time (so the rest is the runtime's own overhead between kernels).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

from bench.result.figures import OpProfile, OpTime

KERNEL_SUFFIX = "_kernel_time"
TOP = 15


def summarize_trace(events: Sequence[Mapping[str, object]], trace_file: str,
                    top: int = TOP) -> OpProfile:
    """Rank operators by total kernel time (pure; ``events`` is the parsed trace)."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    kinds: dict[str, tuple[str, str]] = {}
    run_us, runs = 0.0, 0
    for event in events:
        name = str(event.get("name", ""))
        category = event.get("cat")
        duration = float(event.get("dur", 0) or 0)  # microseconds
        if category == "Session" and name == "model_run":
            run_us += duration
            runs += 1
        elif category == "Node" and name.endswith(KERNEL_SUFFIX):
            node = name[: -len(KERNEL_SUFFIX)]
            args = event.get("args")
            if not isinstance(args, Mapping):
                args = {}
            kinds[node] = (str(args.get("op_name", "?")), str(args.get("provider", "?")))
            totals[node][0] += duration
            totals[node][1] += 1
    ranked = sorted(totals.items(), key=lambda kv: kv[1][0], reverse=True)[:top]
    return OpProfile(
        runs=runs, run_total_ms=run_us / 1e3, trace_file=trace_file,
        top=[OpTime(node=node, op_type=kinds[node][0], provider=kinds[node][1],
                    calls=int(calls), total_ms=us / 1e3,
                    percent_of_run=100.0 * us / run_us if run_us else 0.0)
             for node, (us, calls) in ranked])


def read_trace(path: Path) -> list[dict[str, object]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data["traceEvents"] if isinstance(data, dict) else data)
