"""Reading an ONNX file: checks that it is a whole, valid model and lists its inputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import helper

from bench.errors import ModelFileError

Dim = int | str | None  # a fixed size, a named symbolic dim, or an unnamed dynamic dim


@dataclass(frozen=True)
class GraphInput:
    name: str
    dtype: np.dtype
    dims: tuple[Dim, ...]


def load_graph(path: Path) -> onnx.ModelProto:
    """Load and check ``path``; every way it can be unusable is a ``ModelFileError``."""
    if not path.exists():
        raise ModelFileError(f"{path}: no such file")
    if not path.is_file():
        raise ModelFileError(f"{path}: not a file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not data:
        raise ModelFileError(f"{path}: empty file, not an ONNX model")
    try:
        model = onnx.load_from_string(data)
    except Exception:  # protobuf raises DecodeError (and others) on bytes that are not a model
        raise ModelFileError(
            f"{path}: not a valid ONNX model (truncated, or not ONNX at all)"
        ) from None
    if not model.graph.node and not model.graph.output:
        raise ModelFileError(f"{path}: not a valid ONNX model (no graph; truncated or not ONNX)")
    try:
        onnx.checker.check_model(model)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelFileError(
            f"{path}: invalid ONNX model (truncated or corrupt?): {first}") from None
    return model


def graph_inputs(model: onnx.ModelProto, path: Path) -> list[GraphInput]:
    """The inputs a caller must feed (initializers that double as inputs are left out)."""
    initializers = {init.name for init in model.graph.initializer}
    inputs = []
    for value in model.graph.input:
        if value.name in initializers:
            continue
        if value.type.WhichOneof("value") != "tensor_type":
            raise ModelFileError(f"{path}: input {value.name!r} is not a tensor; not supported")
        tensor = value.type.tensor_type
        dims: list[Dim] = []
        for d in tensor.shape.dim:
            if d.HasField("dim_value"):
                dims.append(int(d.dim_value))
            elif d.HasField("dim_param"):
                dims.append(d.dim_param)
            else:
                dims.append(None)
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(tensor.elem_type))
        inputs.append(GraphInput(value.name, dtype, tuple(dims)))
    return inputs
