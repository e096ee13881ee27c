"""What an ONNX graph holds: parameters, multiply-accumulates per op type, opset, inputs and
outputs, file size. The measurement engine divides :attr:`GraphProfile.flops` by latency for
achieved GFLOP/s.

Counting rules (the usual ones of fvcore/ptflops/onnx-tool, stated so they can be checked):

- **params**: elements of the weight initializers (floating point, int8/uint8); scalars
  (rank 0) are constants, not parameters.
- **MACs** of Conv = output elements x (input channels / groups) x kernel area;
  ConvTranspose = input elements x (output channels / groups) x kernel area;
  MatMul = output elements x the shared inner dimension; Gemm = M x N x K. Their quantized
  forms (QLinearConv, ConvInteger, QLinearMatMul, MatMulInteger) count the same.
- **FLOPs** = 2 x MACs of those ops; elementwise work (activations, norms, softmax) is not
  counted, as in MLPerf's and the papers' figures.

Symbolic dimensions are bound from ``dims`` (a manifest's defaults), else set to 1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper

from bench.errors import ModelFileError
from bench.zoo.graph import model_files

_WEIGHT_TYPES = {TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.BFLOAT16,
                 TensorProto.DOUBLE, TensorProto.INT8, TensorProto.UINT8}
_CONV = {"Conv", "QLinearConv", "ConvInteger"}
_MATMUL = {"MatMul", "QLinearMatMul", "MatMulInteger"}


@dataclass(frozen=True)
class TensorInfo:
    name: str
    dtype: str
    shape: tuple[int | str | None, ...]


@dataclass(frozen=True)
class GraphProfile:
    """The static cost and interface of one graph."""

    params: int
    macs: int
    macs_by_op: dict[str, int]
    ops: dict[str, int]
    opset: int
    inputs: tuple[TensorInfo, ...]
    outputs: tuple[TensorInfo, ...]
    file_bytes: int | None = None
    uncounted: tuple[str, ...] = field(default=())  # nodes whose shapes were unknown

    @property
    def flops(self) -> int:
        return 2 * self.macs

    def as_dict(self) -> dict[str, object]:
        return {
            "params": self.params, "macs": self.macs, "flops": self.flops,
            "macs_by_op": self.macs_by_op, "ops": self.ops, "opset": self.opset,
            "inputs": [_tensor_dict(t) for t in self.inputs],
            "outputs": [_tensor_dict(t) for t in self.outputs],
            "file_bytes": self.file_bytes, "uncounted": list(self.uncounted),
        }


def _tensor_dict(t: TensorInfo) -> dict[str, object]:
    return {"name": t.name, "dtype": t.dtype, "shape": list(t.shape)}


def _info(value: onnx.ValueInfoProto) -> TensorInfo:
    tensor = value.type.tensor_type
    dims: list[int | str | None] = []
    for d in tensor.shape.dim:
        dims.append(d.dim_value if d.HasField("dim_value") else (d.dim_param or None))
    dtype = helper.tensor_dtype_to_string(tensor.elem_type).removeprefix("TensorProto.")
    return TensorInfo(value.name, dtype.lower(), tuple(dims))


def _bind(model: onnx.ModelProto, dims: Mapping[str, int],
          shapes: Mapping[str, tuple[int, ...]] | None = None) -> onnx.ModelProto:
    """A copy whose graph inputs have every dim fixed: a whole shape from ``shapes`` (by input
    name), else each symbolic dim from ``dims`` (by dim name), else 1."""
    bound = onnx.ModelProto()
    bound.CopyFrom(model)
    for value in bound.graph.input:
        given = (shapes or {}).get(value.name)
        for axis, d in enumerate(value.type.tensor_type.shape.dim):
            if given is not None and axis < len(given):
                size = given[axis]
            elif d.HasField("dim_value"):
                continue
            else:
                size = dims.get(d.dim_param, 1) if d.dim_param else 1
            d.Clear()
            d.dim_value = size
    return bound


def _shapes(model: onnx.ModelProto) -> dict[str, tuple[int, ...]]:
    # data_prop follows shapes computed in the graph (Shape -> Reshape), as in transformers
    inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    shapes: dict[str, tuple[int, ...]] = {}
    values = list(inferred.graph.input) + list(inferred.graph.value_info) + \
        list(inferred.graph.output)
    for value in values:
        tensor = value.type.tensor_type
        if tensor.HasField("shape") and all(d.HasField("dim_value") for d in tensor.shape.dim):
            shapes[value.name] = tuple(int(d.dim_value) for d in tensor.shape.dim)
    for init in model.graph.initializer:
        shapes[init.name] = tuple(init.dims)
    return shapes


def _node_macs(node: onnx.NodeProto, shapes: Mapping[str, tuple[int, ...]]) -> int | None:
    op = node.op_type
    if op in _CONV or op == "ConvTranspose":
        w_index = 3 if op == "QLinearConv" else 1
        out, weight = shapes.get(node.output[0]), shapes.get(node.input[w_index])
        inp = shapes.get(node.input[0])
        if out is None or weight is None or inp is None:
            return None
        groups = next((a.i for a in node.attribute if a.name == "group"), 1)
        kernel = int(np.prod(weight[2:]))
        if op == "ConvTranspose":
            return int(np.prod(inp)) * weight[1] * kernel
        return int(np.prod(out)) * (inp[1] // groups) * kernel
    if op in _MATMUL:
        a = shapes.get(node.input[0])
        out = shapes.get(node.output[0])
        if a is None or out is None:
            return None
        return int(np.prod(out)) * a[-1]
    if op == "Gemm":
        a, out = shapes.get(node.input[0]), shapes.get(node.output[0])
        if a is None or out is None:
            return None
        trans_a = next((a_.i for a_ in node.attribute if a_.name == "transA"), 0)
        return int(np.prod(out)) * (a[0] if trans_a else a[1])
    return 0


def profile_graph(model: onnx.ModelProto, dims: Mapping[str, int] | None = None,
                  file_bytes: int | None = None,
                  shapes: Mapping[str, tuple[int, ...]] | None = None) -> GraphProfile:
    """Count the parameters and MACs of ``model`` with symbolic dims bound from ``dims``, or
    whole input shapes from ``shapes`` (what a run feeds)."""
    params = sum(int(np.prod(init.dims)) for init in model.graph.initializer
                 if init.data_type in _WEIGHT_TYPES and len(init.dims) > 0)
    initializers = {init.name for init in model.graph.initializer}
    known = _shapes(_bind(model, dims or {}, shapes))
    macs_by_op: Counter[str] = Counter()
    ops: Counter[str] = Counter()
    uncounted = []
    for node in model.graph.node:
        ops[node.op_type] += 1
        macs = _node_macs(node, known)
        if macs is None:
            uncounted.append(node.name or node.output[0])
        elif macs:
            macs_by_op[node.op_type] += macs
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    inputs = tuple(_info(v) for v in model.graph.input if v.name not in initializers)
    return GraphProfile(
        params=params, macs=sum(macs_by_op.values()), macs_by_op=dict(sorted(macs_by_op.items())),
        ops=dict(sorted(ops.items())), opset=opset, inputs=inputs,
        outputs=tuple(_info(v) for v in model.graph.output), file_bytes=file_bytes,
        uncounted=tuple(uncounted))


def profile_file(path: Path, dims: Mapping[str, int] | None = None,
                 shapes: Mapping[str, tuple[int, ...]] | None = None) -> GraphProfile:
    """Profile an ONNX file; external weight data is not loaded (only its dims are needed),
    but its bytes count in ``file_bytes``."""
    if not path.is_file():
        raise ModelFileError(f"{path}: no such file")
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception:  # protobuf's DecodeError and friends
        raise ModelFileError(f"{path}: not a valid ONNX model (truncated, or not ONNX)") from None
    size = sum(f.stat().st_size for f in model_files(path, model) if f.is_file())
    return profile_graph(model, dims, size, shapes)
