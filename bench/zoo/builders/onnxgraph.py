"""Small helpers shared by builders: seeded weights and a deterministic model wrapper."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8  # the IR of opset 17; pinned so older onnxruntime builds load the files


class Weights:
    """Seeded initializers: the same seed and call order give the same tensors."""

    def __init__(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)
        self.initializers: list[TensorProto] = []

    def normal(self, name: str, shape: Sequence[int], scale: float | None = None) -> str:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else int(shape[0])
        std = scale if scale is not None else (2.0 / max(fan_in, 1)) ** 0.5
        data = self._rng.standard_normal(size=tuple(shape)).astype(np.float32) * np.float32(std)
        self.initializers.append(numpy_helper.from_array(data, name))
        return name

    def constant(self, name: str, array: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(array, name))
        return name


def make_model(
    name: str,
    nodes: Sequence[onnx.NodeProto],
    inputs: Sequence[onnx.ValueInfoProto],
    outputs: Sequence[onnx.ValueInfoProto],
    weights: Weights,
) -> onnx.ModelProto:
    graph = helper.make_graph(list(nodes), name, list(inputs), list(outputs), weights.initializers)
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="edgebench",
        producer_version="1",
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model
