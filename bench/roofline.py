"""Roofline context: how many floating-point operations one query costs, and the rate the
measured latency implies.

FLOPs are counted here for the operators that dominate most models, from shapes that ONNX
shape inference derives for the run's concrete input shapes: ``Conv`` (2 x output elements
x input channels per group x kernel area), ``Gemm`` and ``MatMul`` (2 x M x N x K, times
the broadcast batch). A multiply-add counts as two FLOPs; other operators count zero, so
the figure is a lower bound. This is a stand-in until the zoo's graph inspection (the
``suite`` branch) provides FLOPs; ``count_flops`` is the one function to swap.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import onnx
from onnx import shape_inference

from bench.figures import Roofline

METHOD = "Conv/Gemm/MatMul multiply-adds x 2 from ONNX shape inference (others count 0)"


def _shapes(model: onnx.ModelProto) -> dict[str, tuple[int, ...]]:
    known: dict[str, tuple[int, ...]] = {}
    graph = model.graph
    for value in list(graph.input) + list(graph.value_info) + list(graph.output):
        dims = value.type.tensor_type.shape.dim
        if all(d.HasField("dim_value") for d in dims):
            known[value.name] = tuple(int(d.dim_value) for d in dims)
    for init in graph.initializer:
        known[init.name] = tuple(int(d) for d in init.dims)
    return known


def count_flops(path: Path, input_shapes: Mapping[str, tuple[int, ...]]) -> int:
    """FLOPs of one ``run()`` with these input shapes (Conv, Gemm, MatMul only)."""
    model = onnx.load(str(path))
    for value in model.graph.input:
        if value.name in input_shapes:
            dims = value.type.tensor_type.shape.dim
            for dim, size in zip(dims, input_shapes[value.name]):
                dim.Clear()
                dim.dim_value = size
    inferred = shape_inference.infer_shapes(model, data_prop=True)
    shapes = _shapes(inferred)
    total = 0
    for node in inferred.graph.node:
        out = shapes.get(node.output[0]) if node.output else None
        if out is None:
            continue
        if node.op_type == "Conv" and len(node.input) > 1 and node.input[1] in shapes:
            weight = shapes[node.input[1]]  # [out_ch, in_ch/group, k...]
            total += 2 * int(np.prod(out)) * int(np.prod(weight[1:]))
        elif node.op_type in ("MatMul", "Gemm") and node.input[0] in shapes:
            a = shapes[node.input[0]]
            k = a[-1] if node.op_type == "MatMul" or not _attr(node, "transA") else a[0]
            total += 2 * int(np.prod(out)) * int(k)
    return total


def _attr(node: onnx.NodeProto, name: str) -> int:
    for attribute in node.attribute:
        if attribute.name == name:
            return int(attribute.i)
    return 0


def roofline(flops_per_query: int, p50_ms: float | None, queries_per_s: float | None,
             concurrent: bool) -> Roofline | None:
    """GFLOP/s at the median latency, or at the query rate when queries overlap
    (offline with concurrency, where latency understates the work done)."""
    if flops_per_query <= 0:
        return None
    if concurrent and queries_per_s:
        return Roofline(flops_per_query=flops_per_query,
                        gflops_per_s=flops_per_query * queries_per_s / 1e9,
                        basis="queries per second (overlapping queries)", method=METHOD)
    if not p50_ms:
        return None
    return Roofline(flops_per_query=flops_per_query,
                    gflops_per_s=flops_per_query / (p50_ms / 1e3) / 1e9,
                    basis="median query latency", method=METHOD)
