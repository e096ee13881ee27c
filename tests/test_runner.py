"""The library entry point, end to end on real onnxruntime sessions."""

from __future__ import annotations

from pathlib import Path

import pytest

import bench
from bench.errors import InputError
from bench.measure.scenarios.single_stream import ENDED_BY_MAX_DURATION, ENDED_BY_TARGETS
from bench.spec import RunSettings
from tests.onnx_files import dynamic_conv, mixed_inputs, reshape_to_six


def test_default_profile_runs_its_quick_suite(fast_settings: RunSettings) -> None:
    report = bench.run(settings=fast_settings, quick=True)
    assert report.device.name == "host"
    assert [r.model for r in report.results] == ["tiny_cnn", "tiny_mlp", "tiny_text"]
    for r in report.results:
        assert r.status == "ok" and r.error is None
        assert r.queries == len(r.samples_ns) >= 5
        assert r.latency_ms is not None
        assert r.latency_ms.min <= r.latency_ms.p50 <= r.latency_ms.p90 <= r.latency_ms.max
        assert r.cold_start is not None and r.cold_start.session_create_ms > 0
        assert r.memory is not None and r.memory.peak_rss_bytes > 0
        assert len(r.warmup_samples_ns) == 1
        assert r.provider == "CPUExecutionProvider"


def test_min_queries_is_met_exactly_when_duration_is_shorter() -> None:
    settings = RunSettings(duration_s=1e-6, min_queries=37, warmup=0)
    (result,) = bench.run(["tiny_mlp"], settings=settings).results
    assert result.queries == 37 and result.ended_by == ENDED_BY_TARGETS
    assert result.warmup_samples_ns == []


def test_max_duration_ends_a_run_and_makes_it_invalid() -> None:
    settings = RunSettings(duration_s=5, min_queries=10**9, max_duration_s=0.05, warmup=0)
    (result,) = bench.run(["tiny_mlp"], settings=settings).results
    assert result.ended_by == ENDED_BY_MAX_DURATION
    assert not result.valid
    assert any("fewer than min_queries" in reason for reason in result.invalid_reasons)


def test_few_queries_cannot_support_p90(fast_settings: RunSettings) -> None:
    settings = fast_settings.model_copy(update={"duration_s": 1e-6, "min_queries": 10})
    (result,) = bench.run(["tiny_mlp"], settings=settings).results
    assert not result.valid
    assert any("p90" in reason for reason in result.invalid_reasons)


def test_user_model_with_dynamic_dims(tmp_path: Path, fast_settings: RunSettings) -> None:
    path = dynamic_conv(tmp_path / "conv.onnx")
    settings = fast_settings.model_copy(update={"shapes": {"x": (1, 3, 16, 24)}})
    (result,) = bench.run([str(path)], settings=settings).results
    assert result.status == "ok"
    assert result.input_shapes == {"x": [1, 3, 16, 24]}


def test_several_integer_and_scalar_inputs(tmp_path: Path, fast_settings: RunSettings) -> None:
    path = mixed_inputs(tmp_path / "mixed.onnx")
    settings = fast_settings.model_copy(
        update={"shapes": {"ids": (2, 5), "mask": (2, 5)}, "values": {"scale": 0.5}})
    (result,) = bench.run([str(path)], settings=settings).results
    assert result.status == "ok", result.error
    assert result.input_shapes == {"ids": [2, 5], "mask": [2, 5], "scale": []}
    assert result.settings.values == {"scale": 0.5}


def test_flag_for_missing_input_is_refused(fast_settings: RunSettings) -> None:
    settings = fast_settings.model_copy(update={"shapes": {"nope": (1,)}})
    with pytest.raises(InputError, match="model 'tiny_mlp' has no input 'nope' \\(inputs: x\\)"):
        bench.run(["tiny_mlp"], settings=settings)


def test_inference_failure_is_recorded(tmp_path: Path, fast_settings: RunSettings) -> None:
    path = reshape_to_six(tmp_path / "six.onnx")
    settings = fast_settings.model_copy(update={"shapes": {"x": (5,)}})
    report = bench.run([str(path), "tiny_cnn"], settings=settings)
    failed, ok = report.results
    assert failed.status == "failed" and not failed.valid
    assert failed.error and "Reshape" in failed.error
    assert failed.latency_ms is None and failed.samples_ns == []
    assert ok.status == "ok"  # one failure does not stop the others


def test_report_hosts_and_harness(fast_settings: RunSettings) -> None:
    report = bench.run(["tiny_cnn"], settings=fast_settings)
    assert report.harness.version == bench.__version__
    assert report.host.logical_cores >= 1 and report.host.memory_bytes > 0
    assert "CPUExecutionProvider" in report.host.providers
    assert report.run_id.startswith(report.created_at[:4])


def test_check_outputs_of_a_variant_uses_its_fp32_build(fast_settings: RunSettings) -> None:
    settings = fast_settings.model_copy(update={"precision": "int8", "check_outputs": True})
    (result,) = bench.run(["resnet8_cifar"], settings=settings).results
    assert result.conformance is not None and result.conformance.passed
    assert "resnet8_cifar-fp32-" in result.conformance.reference
    assert result.conformance.reference_sha256 != result.model_sha256
