"""Device profiles: ``devices/<name>.yaml``.

A profile says how one kind of device is benchmarked: execution providers (in order, with
their options) and what happens when one is missing, threads, cores, a memory limit, the
graph optimisation level, precisions, workloads, collectors and the criteria it answers to.
``extends:`` names another profile whose fields this one overrides (resolved in
``bench.spec.profiles``; the spec here is one file as written).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from bench.spec import limits
from bench.spec.base import Category, Precision, ScenarioName, Spec
from bench.spec.run import RunOverrides, RunSettings, ThreadCount

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B?|B)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "B": 1, "K": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4}


def parse_size(value: int | str) -> int:
    """Bytes from an int or a size such as ``512MB``, ``2GiB``, ``1.5G`` (SI or binary)."""
    if isinstance(value, int):
        if value < 1:
            raise ValueError("must be a positive number of bytes")
        return value
    match = _SIZE.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a size; write bytes or e.g. '512MiB', '2GB'")
    number, unit = float(match.group(1)), (match.group(2) or "").upper()
    factor = 1024 ** "BKMGT".index(unit[0]) if "I" in unit else _UNITS[unit[:1]]
    size = int(number * factor)
    if size < 1:
        raise ValueError("must be a positive number of bytes")
    return size


class CpuProvider(Spec):
    """onnxruntime's CPU execution provider (always available)."""

    name: Literal["cpu"]
    arena: bool = Field(True, description="use the memory arena")


class CudaProvider(Spec):
    """NVIDIA CUDA (needs the ``gpu`` extra: onnxruntime-gpu)."""

    name: Literal["cuda"]
    device_id: limits.OrtIndex = 0
    gpu_mem_limit: limits.Bytes | None = Field(None, description="bytes")
    cudnn_conv_algo_search: Literal["EXHAUSTIVE", "HEURISTIC", "DEFAULT"] = "EXHAUSTIVE"


class TensorrtProvider(Spec):
    """NVIDIA TensorRT (needs the ``gpu`` extra and TensorRT libraries)."""

    name: Literal["tensorrt"]
    device_id: limits.OrtIndex = 0
    fp16: bool = False
    int8: bool = False
    max_workspace_size: limits.Bytes | None = Field(None, description="bytes")
    engine_cache_path: str | None = None


class OpenvinoProvider(Spec):
    """Intel OpenVINO (onnxruntime-openvino)."""

    name: Literal["openvino"]
    device_type: str = Field("CPU", description="CPU, GPU, NPU, AUTO:GPU,CPU, ...")
    precision: Literal["FP32", "FP16", "ACCURACY"] | None = None
    num_of_threads: limits.Threads | None = None
    cache_dir: str | None = None


class QnnProvider(Spec):
    """Qualcomm QNN (Hexagon NPU on Snapdragon phones and PCs)."""

    name: Literal["qnn"]
    backend_path: str = Field("libQnnHtp.so", description="QnnHtp.dll on Windows")
    htp_performance_mode: Literal[
        "default", "burst", "balanced", "high_performance", "high_power_saver",
        "low_balanced", "low_power_saver", "power_saver", "sustained_high_performance",
    ] = "burst"
    enable_htp_fp16_precision: bool = False


class CoremlProvider(Spec):
    """Apple Core ML."""

    name: Literal["coreml"]
    compute_units: Literal["ALL", "CPUOnly", "CPUAndGPU", "CPUAndNeuralEngine"] = "ALL"
    model_format: Literal["NeuralNetwork", "MLProgram"] = "MLProgram"
    require_static_input_shapes: bool = False


class NnapiProvider(Spec):
    """Android NNAPI."""

    name: Literal["nnapi"]
    use_fp16: bool = False
    use_nchw: bool = False
    cpu_disabled: bool = False
    cpu_only: bool = False


class XnnpackProvider(Spec):
    """XNNPACK (Arm and x86 CPUs, mobile builds)."""

    name: Literal["xnnpack"]
    intra_op_num_threads: limits.Threads | None = None


class DmlProvider(Spec):
    """DirectML (Windows GPUs and NPUs)."""

    name: Literal["dml"]
    device_id: limits.OrtIndex = 0


class CannProvider(Spec):
    """Huawei Ascend NPUs through CANN (onnxruntime-cann)."""

    name: Literal["cann"]
    device_id: int = Field(0, ge=0)
    npu_mem_limit: int | None = Field(None, ge=1, description="bytes of the device arena")
    arena_extend_strategy: Literal["kNextPowerOfTwo", "kSameAsRequested"] = "kNextPowerOfTwo"
    enable_cann_graph: bool = Field(True, description="run whole graphs on CANN's graph engine")
    precision_mode: Literal[
        "force_fp32", "cube_fp16in_fp32out", "force_fp16", "allow_fp32_to_fp16",
        "must_keep_origin_dtype", "allow_mix_precision", "allow_mix_precision_fp16",
        "allow_mix_precision_bf16", "allow_fp32_to_bf16"] | None = None
    op_select_impl_mode: Literal["high_performance", "high_precision"] | None = None


class RknpuProvider(Spec):
    """Rockchip NPUs (RK3399Pro, RK1808...) through RKNPU; it takes no options."""

    name: Literal["rknpu"]


class VsinpuProvider(Spec):
    """VeriSilicon NPUs through VSINPU (TIM-VX); it takes no options."""

    name: Literal["vsinpu"]


class AclProvider(Spec):
    """Arm CPUs through the Arm Compute Library."""

    name: Literal["acl"]
    enable_fast_math: bool = Field(False, description="faster MatMul/Conv, less precise")


ExecutionProvider = Annotated[
    CpuProvider | CudaProvider | TensorrtProvider | OpenvinoProvider | QnnProvider
    | CoremlProvider | NnapiProvider | XnnpackProvider | DmlProvider | CannProvider
    | RknpuProvider | VsinpuProvider | AclProvider,
    Field(discriminator="name"),
]


class Threads(Spec):
    """onnxruntime's thread pools; None leaves the runtime's default, 'auto' (intra-op)
    picks the count from a short trial in fresh processes."""

    intra_op: ThreadCount | None = None
    inter_op: limits.Threads | None = None


class WorkloadSettings(RunOverrides):
    """Per-workload overrides of the run settings (each optional)."""

    precision: Precision | None = None
    shapes: dict[str, tuple[int, ...]] = Field(default_factory=dict)
    values: dict[str, limits.Finite] = Field(default_factory=dict)
    dims: dict[str, int] = Field(default_factory=dict, description="named dim -> size")


class Workload(Spec):
    """One model a profile runs, with its scenario; ``quick`` puts it in the quick subset."""

    model: str
    scenario: ScenarioName = "single-stream"
    quick: bool = True
    settings: WorkloadSettings = Field(default_factory=WorkloadSettings)

    @model_validator(mode="after")
    def _check_run(self) -> Workload:
        """The workload must make a valid run on its own (one validation path: the run
        settings' own rules; e.g. a server workload has no way to give its target QPS)."""
        try:
            RunSettings.model_validate({"scenario": self.scenario,
                                        **self.settings.model_dump(exclude_none=True)})
        except ValidationError as exc:
            item = exc.errors()[0]
            where = ".".join(str(p) for p in item["loc"])
            raise ValueError(f"not a valid run: {where + ': ' if where else ''}"
                             f"{str(item['msg']).removeprefix('Value error, ')}") from None
        return self


Collector = Literal["memory", "cpu", "energy", "temperature"]
GraphOptimization = Literal["disable", "basic", "extended", "all"]


class EnergyMeter(Spec):
    """An external power meter: a command printing watts, or a CSV file another tool appends."""

    command: list[str] | None = Field(None, min_length=1,
                                      description="argv; prints one number (watts) per call")
    csv: str | None = Field(None, description="file whose last line holds watts")
    column: str = Field("watts", description="CSV column holding watts")
    interval_s: limits.Seconds = 0.5


class DeviceProfile(Spec):
    """A device profile: ``devices/<name>.yaml``."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    category: Category
    description: str = ""
    extends: str | None = Field(None, description="a built-in profile name or a YAML path")
    execution_providers: list[ExecutionProvider] = Field(
        default_factory=lambda: [CpuProvider(name="cpu")], min_length=1)
    fallback: Literal["allow", "forbid"] = "allow"
    threads: ThreadCount | Threads | None = Field(
        None, description="intra-op threads ('auto': a short trial picks them), or "
                          "{intra_op, inter_op}")
    cores: list[int] | None = Field(None, min_length=1, description="CPU ids to pin to")
    memory_limit: int | str | None = Field(
        None, description="bytes, or a size such as '2GiB' / '512MB' (used by --emulate)")
    graph_optimization_level: GraphOptimization = "all"
    precisions: list[Precision] = Field(default_factory=lambda: ["fp32"], min_length=1)
    workloads: list[Workload] = Field(min_length=1)
    collectors: list[Collector] = Field(
        default_factory=lambda: ["memory", "energy", "temperature"])
    energy_meter: EnergyMeter | None = None
    criteria: str | None = Field(None, description="certification criteria reference")
    check_outputs: bool = Field(
        False, description="compare every workload's outputs with a CPU fp32 reference "
                           "(on in the certification profiles: a fast wrong answer must not pass)")

    @field_validator("memory_limit")
    @classmethod
    def _parse_size(cls, value: int | str | None) -> int | None:
        return None if value is None else parse_size(value)

    def quick_workloads(self) -> list[Workload]:
        return [w for w in self.workloads if w.quick]

    def intra_op_threads(self) -> int | Literal["auto"] | None:
        return self.threads.intra_op if isinstance(self.threads, Threads) else self.threads

    def inter_op_threads(self) -> int | None:
        return self.threads.inter_op if isinstance(self.threads, Threads) else None
