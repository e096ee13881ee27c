"""Small user-style ONNX files written with the onnx helper, for tests of user models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def _save(graph: onnx.GraphProto, path: Path) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def dynamic_conv(path: Path) -> Path:
    """x: float [N, 3, H, W] (all but channels dynamic) -> a 3x3 conv -> y."""
    w = numpy_helper.from_array(np.full((4, 3, 3, 3), 0.1, np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])],
        "dynamic_conv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, "H", None])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4, "H", None])],
        [w],
    )
    return _save(graph, path)


def mixed_inputs(path: Path) -> Path:
    """Three inputs: int32 ids [B, T], a bool mask [B, T], a float scalar ``scale``."""
    table = numpy_helper.from_array(np.arange(20, dtype=np.float32).reshape(10, 2), "table")
    nodes = [
        helper.make_node("Gather", ["table", "ids"], ["emb"], axis=0),
        helper.make_node("Cast", ["mask"], ["maskf"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["maskf", "axis2"], ["mask3"]),
        helper.make_node("Mul", ["emb", "mask3"], ["masked"]),
        helper.make_node("Mul", ["masked", "scale"], ["y"]),
    ]
    axis = numpy_helper.from_array(np.array([2], np.int64), "axis2")
    graph = helper.make_graph(
        nodes, "mixed_inputs",
        [helper.make_tensor_value_info("ids", TensorProto.INT32, ["B", "T"]),
         helper.make_tensor_value_info("mask", TensorProto.BOOL, ["B", "T"]),
         helper.make_tensor_value_info("scale", TensorProto.FLOAT, [])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["B", "T", 2])],
        [table, axis],
    )
    return _save(graph, path)


def reshape_to_six(path: Path) -> Path:
    """x: float [N] reshaped to [2, 3]: valid ONNX, but inference fails unless N == 6."""
    shape = numpy_helper.from_array(np.array([2, 3], np.int64), "shape")
    graph = helper.make_graph(
        [helper.make_node("Reshape", ["x", "shape"], ["y"])], "reshape_to_six",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
        [shape],
    )
    return _save(graph, path)
