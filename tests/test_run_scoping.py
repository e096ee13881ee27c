"""``MODEL:NAME`` scopes --shape and --dim to one model of a multi-model run (the CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import onnx
from onnx import TensorProto, helper

from bench.cli import cli

FAST = ["--duration", "0.05", "--min-queries", "5", "--warmup", "1"]


def _relu(path: Path, dims: list) -> Path:
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, dims)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def test_two_models_with_the_same_input_name_get_their_own_shapes(tmp_path, cli_runner) -> None:
    image = _relu(tmp_path / "image.onnx", ["n", 3, "h", "w"])
    vector = _relu(tmp_path / "vector.onnx", ["n", "width"])
    unscoped = cli_runner.invoke(cli, ["run", str(image), str(vector), "--shape",
                                       "x=1,3,8,8", *FAST, "--out", str(tmp_path / "a")])
    assert unscoped.exit_code == 2 and "gives 4 dims, but the input has rank 2" in \
        unscoped.output
    out = tmp_path / "b"
    scoped = cli_runner.invoke(cli, ["run", str(image), str(vector), "--shape",
                                     "image:x=1,3,8,8", "--dim", "vector:width=5", *FAST,
                                     "--out", str(out), "--json"])
    assert scoped.exit_code == 0, scoped.output
    shapes = [r["input_shapes"] for r in json.loads(scoped.output)["results"]]
    assert shapes == [{"x": [1, 3, 8, 8]}, {"x": [1, 5]}]
    defaulted = [r["defaulted_dims"] for r in json.loads(scoped.output)["results"]]
    assert defaulted == [[], [{"input": "x", "axis": 0, "dim": "n", "size": 1}]]


def test_the_unset_dims_error_of_a_multi_model_run_suggests_scoped_flags(tmp_path,
                                                                         cli_runner) -> None:
    image = _relu(tmp_path / "image.onnx", ["n", 3, "h", "w"])
    vector = _relu(tmp_path / "vector.onnx", ["n", "width"])
    result = cli_runner.invoke(cli, ["run", str(image), str(vector), "--shape",
                                     "image:x=1,3,8,8", *FAST, "--out", str(tmp_path / "c")])
    assert result.exit_code == 2
    assert "model 'vector': a dynamic dim is unset: x[1] ('width')" in result.output
    assert "e.g. --dim vector:width=1" in result.output
