"""Reading an ONNX file: checks that it is a whole, valid model and lists its inputs.

A model may keep its weights in external data files beside it (ONNX's external data: a
tensor names a file, an offset and a length). Those files are part of the model: checked to
exist and to be long enough, and hashed with it (``model_sha256``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import helper

from bench.errors import ModelFileError
from bench.files import file_sha256

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
    external = external_data(model)
    try:  # by path when weights live outside: the checker then finds the data files
        onnx.checker.check_model(str(path) if external else model)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelFileError(
            f"{path}: invalid ONNX model (truncated or corrupt?): {first}") from None
    _check_external_lengths(path, external)
    return model


def _tensors(graph: onnx.GraphProto) -> Iterator[onnx.TensorProto]:
    """Every tensor of a graph: initializers and tensor attributes, subgraphs included."""
    yield from graph.initializer
    for node in graph.node:
        for attr in node.attribute:
            if attr.HasField("t"):
                yield attr.t
            yield from attr.tensors
            if attr.HasField("g"):
                yield from _tensors(attr.g)
            for sub in attr.graphs:
                yield from _tensors(sub)


def external_data(model: onnx.ModelProto) -> dict[str, int]:
    """The external data files ``model`` reads (relative to its folder), in order of first
    use, each with the length it needs (the end of its furthest tensor)."""
    needed: dict[str, int] = {}
    for tensor in _tensors(model.graph):
        if tensor.data_location != onnx.TensorProto.EXTERNAL:
            continue
        entry = {item.key: item.value for item in tensor.external_data}
        end = int(entry.get("offset", 0)) + int(entry.get("length", 0))
        location = entry.get("location", "")
        needed[location] = max(needed.get(location, 0), end)
    return needed


def _check_external_lengths(path: Path, external: dict[str, int]) -> None:
    for location, end in external.items():
        size = (path.parent / location).stat().st_size
        if size < end:
            raise ModelFileError(
                f"{path}: external data {location} is truncated ({size} bytes, its tensors "
                f"need {end}); rebuild or copy the model again with its data file")


def model_files(path: Path, model: onnx.ModelProto | None = None) -> list[Path]:
    """``path`` and the external data files its model reads (``model``: loaded already)."""
    if model is None:
        model = onnx.load(str(path), load_external_data=False)
    return [path, *(path.parent / location for location in external_data(model))]


def model_sha256(path: Path, model: onnx.ModelProto | None = None) -> str:
    """The sha256 of the model file followed by its external data files in order of first
    use; for a self-contained file (almost every model) just the file's sha256. By hand:
    ``cat model.onnx model.onnx.data | sha256sum``."""
    return file_sha256(*model_files(path, model))


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
