"""Execution providers: options, availability, the fallback rules, node placement."""

from __future__ import annotations

from pathlib import Path

import pytest

import bench
from bench.device import session
from bench.device.execution import plan_execution
from bench.device.providers import CPU, nodes_off_provider, plan_providers, provider_options
from bench.errors import SpecError
from bench.spec import RunSettings
from bench.spec.device import (
    CpuProvider,
    CudaProvider,
    OpenvinoProvider,
    QnnProvider,
    TensorrtProvider,
)
from bench.zoo import resolve
from bench.zoo.inputs import generate_inputs, plan_inputs

CUDA = "CUDAExecutionProvider"
TRT = "TensorrtExecutionProvider"


def test_provider_options_map_to_onnxruntime_keys() -> None:
    assert provider_options(TensorrtProvider(name="tensorrt", fp16=True, device_id=1)) == {
        "device_id": "1", "trt_fp16_enable": "1", "trt_int8_enable": "0",
        "trt_engine_cache_enable": "0"}
    assert provider_options(CudaProvider(name="cuda", gpu_mem_limit=2**30)) == {
        "device_id": "0", "gpu_mem_limit": str(2**30), "cudnn_conv_algo_search": "EXHAUSTIVE"}
    assert provider_options(OpenvinoProvider(name="openvino", device_type="NPU")) == {
        "device_type": "NPU"}
    assert provider_options(QnnProvider(name="qnn"))["backend_path"] == "libQnnHtp.so"
    assert provider_options(CpuProvider(name="cpu")) == {}


def test_allow_skips_missing_providers_and_appends_cpu() -> None:
    eps = [TensorrtProvider(name="tensorrt"), CudaProvider(name="cuda")]
    plan = plan_providers(eps, "allow", [CUDA, CPU])
    assert plan.names == (CUDA, CPU)
    assert plan.missing == (TRT,)
    assert plan.refusal() is None
    assert plan.fallbacks() == [f"{TRT} is not available on this host; ran on {CUDA}"]


def test_forbid_refuses_a_missing_provider_by_name() -> None:
    plan = plan_providers([CudaProvider(name="cuda"), CpuProvider(name="cpu")], "forbid", [CPU])
    reason = plan.refusal()
    assert reason is not None and CUDA in reason and "forbids fallback" in reason
    assert plan.providers == ()


def test_forbid_with_every_provider_present_tells_onnxruntime_to_refuse_cpu() -> None:
    plan = plan_providers([CudaProvider(name="cuda")], "forbid", [CUDA, CPU])
    assert plan.refusal() is None and plan.forbid_cpu_fallback is True
    assert plan.names == (CUDA,)
    with_cpu = plan_providers([CudaProvider(name="cuda"), CpuProvider(name="cpu")], "forbid",
                              [CUDA, CPU])
    assert with_cpu.forbid_cpu_fallback is False


def test_a_real_profiling_trace_names_each_nodes_provider() -> None:
    model = resolve("tiny_cnn")
    feeds = generate_inputs(plan_inputs(model.name, model.inputs, model.spec.inputs, {}, {}), 0)
    config = session.SessionConfig(graph_optimization="disable")
    events = session.node_providers(model.path, config, feeds)
    assert events, "onnxruntime's trace has node events"
    assert nodes_off_provider(events, CPU) == []
    off = nodes_off_provider(events, CUDA)
    assert off and all(line.endswith(f"on {CPU}") for line in off)
    assert any("(Conv)" in line for line in off)


def test_session_config_applies_threads_and_optimisation(tmp_path: Path) -> None:
    model = resolve("tiny_mlp")
    config = session.SessionConfig(intra_op=1, inter_op=1, graph_optimization="basic")
    opened = session.open_configured(model.path, config)
    assert opened.providers == (CPU,)


def profile(tmp_path: Path, providers: str, fallback: str) -> Path:
    path = tmp_path / "gpu-box.yaml"
    path.write_text(f"name: gpu-box\ncategory: all-in-one\nexecution_providers: {providers}\n"
                    f"fallback: {fallback}\nthreads: 1\nworkloads: [{{model: tiny_cnn}}]\n")
    return path


def test_forbid_on_a_host_without_the_provider_gives_an_invalid_result(
        tmp_path: Path, fast_settings: RunSettings) -> None:
    path = profile(tmp_path, "[{name: cuda}, {name: cpu}]", "forbid")
    report = bench.run(device=str(path), settings=fast_settings)
    (result,) = report.results
    assert result.valid is False and result.status == "failed"
    assert CUDA in result.invalid_reasons[0] and "forbids fallback" in result.invalid_reasons[0]
    assert result.provider == CUDA
    assert result.execution is not None and result.execution.fallback_policy == "forbid"
    assert result.latency_ms is None


def test_allow_runs_on_cpu_and_records_the_fallback(tmp_path: Path) -> None:
    path = profile(tmp_path, "[{name: tensorrt, fp16: true}, {name: cuda}]", "allow")
    enough = RunSettings(duration_s=0.05, min_queries=64, max_duration_s=10.0, warmup=1)
    report = bench.run(device=str(path), settings=enough)
    (result,) = report.results
    assert result.valid is True and result.status == "ok"
    assert result.provider == CPU
    execution = result.execution
    assert execution is not None
    assert execution.requested == [TRT, CUDA] and execution.used == [CPU]
    assert [line.split()[0] for line in execution.fallbacks] == [TRT, CUDA]
    assert execution.intra_op_threads == 1


def test_plan_execution_takes_the_profiles_session_settings(tmp_path: Path) -> None:
    from bench.spec.profiles import read_profile

    path = tmp_path / "p.yaml"
    path.write_text("name: p\ncategory: pc\nthreads: {intra_op: 2, inter_op: 3}\n"
                    "graph_optimization_level: extended\n"
                    "execution_providers: [{name: cpu, arena: false}]\n"
                    "workloads: [{model: tiny_cnn}]\n")
    plan = plan_execution(read_profile(path), [CPU], 2)
    assert plan.config.intra_op == 2 and plan.config.inter_op == 3
    assert plan.config.graph_optimization == "extended" and plan.config.cpu_arena is False


def test_the_npu_providers_of_the_plans_hardware_map_to_onnxruntime() -> None:
    from bench.spec.device import AclProvider, CannProvider, RknpuProvider, VsinpuProvider

    cann = CannProvider(name="cann", device_id=1, npu_mem_limit=2**31,
                        precision_mode="allow_mix_precision", op_select_impl_mode="high_precision")
    assert provider_options(cann) == {
        "device_id": "1", "npu_mem_limit": str(2**31),
        "arena_extend_strategy": "kNextPowerOfTwo", "enable_cann_graph": "1",
        "precision_mode": "allow_mix_precision", "op_select_impl_mode": "high_precision"}
    assert provider_options(AclProvider(name="acl", enable_fast_math=True)) == {
        "enable_fast_math": "true"}
    assert provider_options(RknpuProvider(name="rknpu")) == {}
    assert provider_options(VsinpuProvider(name="vsinpu")) == {}
    names = plan_providers([cann, RknpuProvider(name="rknpu"), VsinpuProvider(name="vsinpu"),
                            AclProvider(name="acl")], "forbid", [CPU]).missing
    assert names == ("CANNExecutionProvider", "RknpuExecutionProvider",
                     "VSINPUExecutionProvider", "ACLExecutionProvider")


def test_npu_provider_options_are_checked(tmp_path: Path) -> None:
    from bench.spec.profiles import load_profile

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ncategory: all-in-one\nworkloads: [{model: tiny_mlp}]\n"
                   "execution_providers:\n  - {name: cann, precision_mode: fp8}\n")
    with pytest.raises(SpecError, match="precision_mode"):
        load_profile(str(bad))
    bad.write_text("name: bad\ncategory: all-in-one\nworkloads: [{model: tiny_mlp}]\n"
                   "execution_providers:\n  - {name: rknpu, device_id: 0}\n")
    with pytest.raises(SpecError, match="device_id"):
        load_profile(str(bad))


def test_the_ascend_profile_falls_back_to_the_cpu_here(fast_settings: RunSettings) -> None:
    """No Ascend NPU (nor onnxruntime-cann) on this machine: the mapping and the fallback
    are what is tested; the run itself lands on the CPU and says so."""
    report = bench.run(["tiny_mlp"], device="all-in-one-ascend", settings=fast_settings)
    (result,) = report.results
    assert result.status == "ok" and result.valid and result.provider == CPU
    assert result.execution.requested == ["CANNExecutionProvider", CPU]
    assert result.execution.fallbacks == [
        f"CANNExecutionProvider is not available on this host; ran on {CPU}"]
