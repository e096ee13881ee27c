"""What an ONNX graph holds: parameters, multiply-accumulates per op type, opset, inputs and
outputs, file size. The measurement engine divides :attr:`GraphProfile.flops` by latency for
achieved GFLOP/s.

Counting rules (the usual ones of fvcore/ptflops/onnx-tool, stated so they can be checked):

- **params**: elements of the weight initializers and ``Constant`` node tensors (floating
  point, int8/uint8); scalars (rank 0) are constants, not parameters.
- **MACs** of Conv = output elements x (input channels / groups) x kernel area;
  ConvTranspose = input elements x (output channels / groups) x kernel area;
  MatMul = output elements x the shared inner dimension; Gemm = M x N x K. Their quantized
  forms (QLinearConv, ConvInteger, QLinearMatMul, MatMulInteger) count the same.
- **FLOPs** = 2 x MACs of those ops; elementwise work (activations, norms, softmax) is not
  counted, as in MLPerf's and the papers' figures.

Dynamic dims are bound as a run binds them (``bench.zoo.inputs``): ``dims`` and ``shapes``
first, a leading batch dim defaults to 1, and every dim still unset is *assumed* at an example
size (224 for an image's height and width, else 1) and reported, with the counts that depend
on it (those that change when it doubles). No count is ever negative: a node whose shapes
come out unknown or non-positive is listed as uncounted instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto

from bench.errors import ModelFileError, UsageError
from bench.zoo.binding import example_shape, example_sizes, label
from bench.zoo.graph import GraphInput, check_model_file, dim_of, model_files, type_text
from bench.zoo.inputs import resolve_dims

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
    defaulted: dict[str, int] = field(default_factory=dict)  # batch dims set to 1
    assumed: dict[str, int] = field(default_factory=dict)  # unbound dims, at example sizes
    depends_on: dict[str, tuple[str, ...]] = field(default_factory=dict)  # count -> dims

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
            "defaulted_dims": self.defaulted, "assumed_dims": self.assumed,
            "depends_on": {k: list(v) for k, v in self.depends_on.items()},
        }


def _tensor_dict(t: TensorInfo) -> dict[str, object]:
    return {"name": t.name, "dtype": t.dtype, "shape": list(t.shape)}


def _info(value: onnx.ValueInfoProto) -> TensorInfo:
    if value.type.WhichOneof("value") != "tensor_type":  # seq(map(...)) from ZipMap, ...
        return TensorInfo(value.name, type_text(value.type), ())
    dims = tuple(dim_of(d) for d in value.type.tensor_type.shape.dim)
    return TensorInfo(value.name, type_text(value.type)[7:-1], dims)


def _bind(model: onnx.ModelProto, shapes: Mapping[str, tuple[int, ...]]) -> onnx.ModelProto:
    """A copy whose graph inputs have the given whole shapes."""
    bound = onnx.ModelProto()
    bound.CopyFrom(model)
    for value in bound.graph.input:
        given = shapes.get(value.name)
        if given is None or value.type.WhichOneof("value") != "tensor_type":
            continue
        for d, size in zip(value.type.tensor_type.shape.dim, given):
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
        if tensor.HasField("shape") and all(d.HasField("dim_value") and d.dim_value > 0
                                            for d in tensor.shape.dim):
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


def _count(model: onnx.ModelProto, shapes: Mapping[str, tuple[int, ...]]
           ) -> tuple[Counter[str], Counter[str], list[str]]:
    known = _shapes(_bind(model, shapes))
    macs_by_op: Counter[str] = Counter()
    ops: Counter[str] = Counter()
    uncounted = []
    for node in model.graph.node:
        ops[node.op_type] += 1
        macs = _node_macs(node, known)
        if macs is None or macs < 0:
            uncounted.append(node.name or node.output[0])
        elif macs:
            macs_by_op[node.op_type] += macs
    return macs_by_op, ops, uncounted


def _tensor_inputs(model: onnx.ModelProto) -> list[GraphInput]:
    initializers = {init.name for init in model.graph.initializer}
    return [GraphInput(v.name, np.dtype(np.float32), tuple(dim_of(d) for d in
                                                           v.type.tensor_type.shape.dim))
            for v in model.graph.input
            if v.name not in initializers and v.type.WhichOneof("value") == "tensor_type"]


def _key_label(key: object) -> str:
    return f"{key[0]}[{key[1]}]" if isinstance(key, tuple) else repr(key)


def profile_graph(model: onnx.ModelProto, dims: Mapping[str, int] | None = None,
                  file_bytes: int | None = None,
                  shapes: Mapping[str, tuple[int, ...]] | None = None) -> GraphProfile:
    """Count the parameters and MACs of ``model`` with named dims bound from ``dims`` and
    whole input shapes from ``shapes`` (what a run feeds); see the module docstring for
    dims left unbound."""
    constants = [a.t for n in model.graph.node if n.op_type == "Constant"
                 for a in n.attribute if a.name == "value"]  # Paddle2ONNX keeps weights so
    params = sum(int(np.prod(t.dims)) for t in [*model.graph.initializer, *constants]
                 if t.data_type in _WEIGHT_TYPES and len(t.dims) > 0)
    initializers = {init.name for init in model.graph.initializer}
    graph = _tensor_inputs(model)
    r = resolve_dims("model", graph, (), shapes, dims)
    sizes = example_sizes(graph, r.shapes, r.unset, r.names) if r.unset else {}
    full = {g.name: example_shape(g, r.shapes, sizes, r.names) for g in graph}
    macs_by_op, ops, uncounted = _count(model, full)
    depends: dict[str, list[str]] = {}
    for key, size in sizes.items():  # which counts move when this dim doubles
        doubled = {**sizes, key: size * 2}
        other = _count(model, {g.name: example_shape(g, r.shapes, doubled, r.names)
                               for g in graph})[0]
        changed = sorted(op for op in set(macs_by_op) | set(other) if macs_by_op[op] != other[op])
        for name in (["MACs"] if changed else []) + [f"MACs {op}" for op in changed]:
            depends.setdefault(name, []).append(_key_label(key))
    defaulted = {label(g, axis): 1 for g in graph for axis, _ in r.defaulted.get(g.name, ())}
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    inputs = tuple(_info(v) for v in model.graph.input if v.name not in initializers)
    return GraphProfile(
        params=params, macs=sum(macs_by_op.values()), macs_by_op=dict(sorted(macs_by_op.items())),
        ops=dict(sorted(ops.items())), opset=opset, inputs=inputs,
        outputs=tuple(_info(v) for v in model.graph.output), file_bytes=file_bytes,
        uncounted=tuple(uncounted), defaulted=defaulted,
        assumed={_key_label(k): v for k, v in sizes.items()},
        depends_on={k: tuple(v) for k, v in depends.items()})


def profile_file(path: Path, dims: Mapping[str, int] | None = None,
                 shapes: Mapping[str, tuple[int, ...]] | None = None) -> GraphProfile:
    """Profile an ONNX file; external weight data is not loaded (only its dims are needed),
    but its bytes count in ``file_bytes``. The file is not checked with onnxruntime here
    (a run has loaded it already): :func:`inspect_file` does that."""
    if not path.is_file():
        raise ModelFileError(f"{path}: no such file")
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception:  # protobuf's DecodeError and friends
        raise ModelFileError(f"{path}: not a valid ONNX model (truncated, or not ONNX)") from None
    size = sum(f.stat().st_size for f in model_files(path, model) if f.is_file())
    return profile_graph(model, dims, size, shapes)


def inspect_file(path: Path, dims: Mapping[str, int] | None = None,
                 shapes: Mapping[str, tuple[int, ...]] | None = None,
                 custom_ops: Sequence[str] = ()) -> GraphProfile:
    """``edgebench models inspect``: refuses what ``run`` refuses (the same check of the
    file, :func:`bench.zoo.graph.check_model_file`), then :func:`profile_file`."""
    checked = check_model_file(path, custom_ops)
    unknown = sorted(set(shapes or {}) - {v.name for v in checked.model.graph.input})
    if unknown:
        inputs = ", ".join(i.name for i in _tensor_inputs(checked.model)) or "none"
        raise UsageError(f"--shape {unknown[0]}=...: {path} has no input {unknown[0]!r} "
                         f"(inputs: {inputs})")
    return profile_file(path, dims, shapes)
