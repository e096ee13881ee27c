"""Execution providers: a profile's ordered list, mapped to onnxruntime's names and options,
checked against what this onnxruntime offers, and the fallback rule applied.

Pure functions over names: the session module passes in what onnxruntime reports.

Fallback rules:

- ``allow``: unavailable providers are skipped (in order) and the CPU provider is appended;
  the result stays valid and records what fell back, and which nodes ran on the CPU when the
  runtime tells (a profiling pass, see ``bench.device.session.node_providers``).
- ``forbid``: any unavailable provider makes the result invalid, naming it, and nothing is
  measured; when every provider is present and the CPU is not among them, onnxruntime is told
  to refuse CPU fallback (``session.disable_cpu_ep_fallback``) so a node it cannot place
  fails session creation, and the message names it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bench.spec.device import ExecutionProvider

CPU = "CPUExecutionProvider"

ORT_NAMES: dict[str, str] = {
    "cpu": CPU,
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
    "openvino": "OpenVINOExecutionProvider",
    "qnn": "QNNExecutionProvider",
    "coreml": "CoreMLExecutionProvider",
    "nnapi": "NnapiExecutionProvider",
    "xnnpack": "XnnpackExecutionProvider",
    "dml": "DmlExecutionProvider",
    "cann": "CANNExecutionProvider",
    "rknpu": "RknpuExecutionProvider",
    "vsinpu": "VSINPUExecutionProvider",
    "acl": "ACLExecutionProvider",
}
SHORT_NAMES = {ort: short for short, ort in ORT_NAMES.items()}


def _flag(value: bool) -> str:
    return "1" if value else "0"


def provider_options(ep: ExecutionProvider) -> dict[str, str]:
    """onnxruntime's provider options (all strings) for one profile entry."""
    raw: dict[str, object | None]
    if ep.name == "cpu":  # its one knob, the arena, is a session option
        return {}
    if ep.name == "cuda":
        raw = {"device_id": ep.device_id, "gpu_mem_limit": ep.gpu_mem_limit,
               "cudnn_conv_algo_search": ep.cudnn_conv_algo_search}
    elif ep.name == "tensorrt":
        raw = {"device_id": ep.device_id, "trt_fp16_enable": _flag(ep.fp16),
               "trt_int8_enable": _flag(ep.int8),
               "trt_max_workspace_size": ep.max_workspace_size,
               "trt_engine_cache_enable": _flag(ep.engine_cache_path is not None),
               "trt_engine_cache_path": ep.engine_cache_path}
    elif ep.name == "openvino":
        raw = {"device_type": ep.device_type, "precision": ep.precision,
               "num_of_threads": ep.num_of_threads, "cache_dir": ep.cache_dir}
    elif ep.name == "qnn":
        raw = {"backend_path": ep.backend_path, "htp_performance_mode": ep.htp_performance_mode,
               "enable_htp_fp16_precision": _flag(ep.enable_htp_fp16_precision)}
    elif ep.name == "coreml":
        raw = {"MLComputeUnits": ep.compute_units, "ModelFormat": ep.model_format,
               "RequireStaticInputShapes": _flag(ep.require_static_input_shapes)}
    elif ep.name == "nnapi":
        raw = {"NNAPI_FLAG_USE_FP16": _flag(ep.use_fp16), "NNAPI_FLAG_USE_NCHW": _flag(ep.use_nchw),
               "NNAPI_FLAG_CPU_DISABLED": _flag(ep.cpu_disabled),
               "NNAPI_FLAG_CPU_ONLY": _flag(ep.cpu_only)}
    elif ep.name == "xnnpack":
        raw = {"intra_op_num_threads": ep.intra_op_num_threads}
    elif ep.name == "cann":
        raw = {"device_id": ep.device_id, "npu_mem_limit": ep.npu_mem_limit,
               "arena_extend_strategy": ep.arena_extend_strategy,
               "enable_cann_graph": _flag(ep.enable_cann_graph),
               "precision_mode": ep.precision_mode,
               "op_select_impl_mode": ep.op_select_impl_mode}
    elif ep.name == "acl":
        raw = {"enable_fast_math": "true" if ep.enable_fast_math else "false"}
    elif ep.name in ("rknpu", "vsinpu"):  # no options
        return {}
    else:  # dml
        raw = {"device_id": ep.device_id}
    return {key: str(value) for key, value in raw.items() if value is not None}


@dataclass(frozen=True)
class ProviderPlan:
    """What a session will be given, and what could not be honoured."""

    requested: tuple[str, ...]
    providers: tuple[tuple[str, Mapping[str, str]], ...]
    missing: tuple[str, ...]
    policy: str
    forbid_cpu_fallback: bool = False
    available: tuple[str, ...] = field(default=())

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.providers)

    def refusal(self) -> str | None:
        """Why nothing may be measured (``forbid`` with a missing provider), or None."""
        if self.policy != "forbid" or not self.missing:
            return None
        return (f"execution provider {', '.join(self.missing)} is not available on this host "
                f"and the profile forbids fallback (available: {', '.join(self.available)})")

    def fallbacks(self) -> list[str]:
        """What fell back, one line each, for the report (``allow``)."""
        if not self.missing or self.policy == "forbid":
            return []
        ran = self.names[0] if self.providers else CPU
        return [f"{name} is not available on this host; ran on {ran}" for name in self.missing]


def plan_providers(eps: Sequence[ExecutionProvider], policy: str,
                   available: Iterable[str]) -> ProviderPlan:
    """Apply the profile's order and fallback rule to what this runtime offers."""
    offered = tuple(available)
    requested = tuple(ORT_NAMES[ep.name] for ep in eps)
    missing = tuple(name for name in requested if name not in offered)
    chosen = tuple((ORT_NAMES[ep.name], provider_options(ep)) for ep in eps
                   if ORT_NAMES[ep.name] in offered)
    if policy == "forbid":
        return ProviderPlan(requested, chosen if not missing else (), missing, policy,
                            forbid_cpu_fallback=CPU not in requested, available=offered)
    if CPU not in (name for name, _ in chosen):
        chosen += ((CPU, {}),)
    return ProviderPlan(requested, chosen, missing, policy, available=offered)


def nodes_off_provider(events: Iterable[Mapping[str, object]], provider: str) -> list[str]:
    """Nodes of an onnxruntime profiling trace that ran on another provider than ``provider``.

    Each node event (``cat == "Node"``) carries ``args.provider`` and ``args.op_name``; the
    ``_kernel_time`` events are the executions. Returned as ``name (op) on Provider``.
    """
    seen: dict[str, str] = {}
    for event in events:
        args = event.get("args")
        name = str(event.get("name", ""))
        if event.get("cat") != "Node" or not isinstance(args, Mapping):
            continue
        ran_on = args.get("provider")
        if ran_on and ran_on != provider and name.endswith("_kernel_time"):
            node = name.removesuffix("_kernel_time")
            seen.setdefault(node, f"{node} ({args.get('op_name', '?')}) on {ran_on}")
    return list(seen.values())
