"""Small helpers shared by builders: seeded weights and a deterministic model wrapper."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from bench.zoo.cache import fits_inline

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

    def drain(self) -> Iterator[TensorProto]:
        """The initializers in order, each let go once taken: a model moves them in without
        holding a second copy of every weight (a 1B model's 4.4 GB)."""
        self.initializers.reverse()
        while self.initializers:
            yield self.initializers.pop()


def make_model(
    name: str,
    nodes: Sequence[onnx.NodeProto],
    inputs: Sequence[onnx.ValueInfoProto],
    outputs: Sequence[onnx.ValueInfoProto],
    weights: Weights,
) -> onnx.ModelProto:
    """The model, checked here unless its weights are past what one ONNX file can hold (those
    are checked by path once written with external data: ``bench.zoo.cache.write_model``)."""
    graph = helper.make_graph(list(nodes), name, list(inputs), list(outputs))
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="edgebench",
        producer_version="1",
    )
    model.ir_version = IR_VERSION
    for tensor in weights.drain():
        model.graph.initializer.append(tensor)
    if fits_inline(model):
        onnx.checker.check_model(model)
    return model
