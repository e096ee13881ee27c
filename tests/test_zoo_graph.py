"""The one check of a model file (``check_model_file``): onnxruntime decides, onnx.checker
advises; custom-op domains fail with one line and load with their library."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from click.testing import CliRunner
from onnx import TensorProto, helper, numpy_helper

from bench.cli import cli
from bench.device import session
from bench.errors import ModelFileError, UsageError
from bench.zoo.graph import check_model_file

FAST = ["--duration", "0.05", "--min-queries", "5", "--warmup", "1"]


def _save(path: Path, nodes: list, inputs: list, outputs: list, opsets: dict[str, int],
          initializers: list | None = None) -> Path:
    model = helper.make_model(helper.make_graph(nodes, "g", inputs, outputs, initializers or []),
                              opset_imports=[helper.make_opsetid(d, v) for d, v in opsets.items()])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def _strings(name: str) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.STRING, [None])


def rms_norm(path: Path) -> Path:
    """onnxruntime's SimplifiedLayerNormalization, which it registers in the default domain
    (as ONNX Runtime GenAI's models use it): onnx.checker knows no such op."""
    scale = numpy_helper.from_array(np.ones(8, np.float32), "scale")
    node = helper.make_node("SimplifiedLayerNormalization", ["x", "scale"], ["y"], axis=-1,
                            epsilon=1e-6)
    return _save(path, [node], [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])], {"": 17},
                 [scale])


def custom(path: Path, domain: str, op: str) -> Path:
    return _save(path, [helper.make_node(op, ["x"], ["y"], domain=domain)], [_strings("x")],
                 [_strings("y")], {"": 17, domain: 1})


def test_a_model_onnxruntime_loads_is_valid_and_the_checker_only_advises(tmp_path) -> None:
    checked = check_model_file(rms_norm(tmp_path / "rms.onnx"))
    (advice,) = checked.warnings
    assert advice.startswith("onnx.checker: No Op registered for SimplifiedLayerNormalization")


def test_the_checker_advice_reaches_the_report(tmp_path, cli_runner) -> None:
    out = tmp_path / "out"
    result = cli_runner.invoke(cli, ["run", str(rms_norm(tmp_path / "rms.onnx")), *FAST,
                                     "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    from bench.result.contract import load_report
    (res,) = load_report(out / "report.json").results
    assert res.status == "ok"
    assert [w.source for w in res.warnings] == ["onnx.checker"]


def test_an_unknown_custom_domain_is_one_line_naming_domain_and_op(tmp_path) -> None:
    path = custom(tmp_path / "c.onnx", "com.example.vendor", "Frobnicate")
    with pytest.raises(ModelFileError) as info:
        check_model_file(path)
    message = str(info.value)
    assert "needs custom op com.example.vendor:Frobnicate, which onnxruntime does not have" \
        in message and "--custom-ops LIB" in message and "\n" not in message
    result = CliRunner().invoke(cli, ["models", "inspect", str(path)])
    assert result.exit_code == 2 and "com.example.vendor:Frobnicate" in result.output


EXTENSIONS = session.extensions_library()
needs_extensions = pytest.mark.skipif(EXTENSIONS is None,
                                      reason="onnxruntime-extensions is not installed "
                                             "(pip install 'edgebench[extensions]')")


@needs_extensions
def test_onnxruntime_extensions_ops_load_by_themselves(tmp_path) -> None:
    checked = check_model_file(custom(tmp_path / "upper.onnx", "ai.onnx.contrib", "StringUpper"))
    assert checked.custom_ops == (EXTENSIONS,)


@needs_extensions
def test_custom_ops_flag_runs_a_custom_op_model(tmp_path, cli_runner, monkeypatch) -> None:
    """With the library given by --custom-ops (and automatic discovery switched off, as on
    a host without the package), the model runs and its outputs are checked."""
    path = custom(tmp_path / "upper.onnx", "ai.onnx.contrib", "StringUpper")
    monkeypatch.setattr(session, "extensions_library", lambda: None)
    refused = cli_runner.invoke(cli, ["run", str(path), *FAST, "--out", str(tmp_path / "a")])
    assert refused.exit_code == 2 and "ai.onnx.contrib:StringUpper" in refused.output
    assert "pip install 'edgebench[extensions]'" in refused.output
    out = tmp_path / "b"
    ran = cli_runner.invoke(cli, ["run", str(path), "--custom-ops", EXTENSIONS, "--check-outputs",
                                  *FAST, "--out", str(out), "--json"])
    assert ran.exit_code == 0, ran.output
    assert '"status": "ok"' in ran.output and '"passed": true' in ran.output


def test_a_custom_ops_library_that_cannot_load_is_one_line(tmp_path, cli_runner) -> None:
    path = rms_norm(tmp_path / "rms.onnx")
    bogus = tmp_path / "libnothing.so"
    bogus.write_text("not a library")
    result = cli_runner.invoke(cli, ["run", str(path), "--custom-ops", str(bogus), *FAST,
                                     "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "--custom-ops" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) <= 2
    assert not (tmp_path / "o").exists()
    with pytest.raises(UsageError):
        check_model_file(path, [str(bogus)])
