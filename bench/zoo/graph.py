"""Reading an ONNX file: checks that it is a whole model onnxruntime can load, lists its inputs.

A model file is valid when onnxruntime can load it (``bench.device.session.load_error``),
not when ``onnx.checker`` passes it: the checker knows only the standard domains, so a model
with onnxruntime's contrib ops (``com.microsoft``) fails it and still runs. The checker's
findings are kept as advice (:attr:`CheckedModel.warnings`), for the report.

A model may keep its weights in external data files beside it (ONNX's external data: a
tensor names a file, an offset and a length). Those files are part of the model: checked to
exist and to be long enough, and hashed with it (``model_sha256``).

Dims: a ``dim_value`` > 0 is fixed; ``dim_value`` <= 0 (Paddle2ONNX writes -1), an empty
``dim_param``, ``?`` or no value at all are unnamed dynamic dims (None); any other
``dim_param`` is a name (a symbol such as ``batch``, or an expression such as
``past_sequence_length + 1``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
from onnx import helper

from bench.device import session
from bench.errors import InputError, ModelFileError
from bench.files import file_sha256

Dim = int | str | None  # a fixed size, a named dim (symbol or expression), or unnamed
STRING = onnx.TensorProto.STRING
BFLOAT16 = onnx.TensorProto.BFLOAT16
# domains onnxruntime implements itself; any other needs a custom-op library
BUILT_IN_DOMAINS = frozenset({"", "ai.onnx", "ai.onnx.ml", "com.microsoft",
                              "com.microsoft.nchwc", "com.microsoft.experimental",
                              "com.ms.internal.nhwc", "ai.onnx.preview.training",
                              "ai.onnx.training", "com.microsoft.dml"})
EXTENSIONS_DOMAIN = "ai.onnx.contrib"
_UNREGISTERED = re.compile(r"([\w.]*):(\w+)\(-?\d+\) is not a registered function/op")
_VOCABULARY_LIMIT = 64


@dataclass(frozen=True)
class GraphInput:
    name: str
    dtype: np.dtype
    dims: tuple[Dim, ...]
    elem_type: int = onnx.TensorProto.FLOAT
    vocabulary: tuple[str, ...] = ()  # string inputs: strings the model's nodes name


@dataclass(frozen=True)
class CheckedModel:
    """A model onnxruntime loads, with the checker's advice and the custom-op libraries
    it was loaded with."""

    model: onnx.ModelProto
    warnings: tuple[str, ...] = ()
    custom_ops: tuple[str, ...] = ()


def _read(path: Path) -> onnx.ModelProto:
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
            f"{path}: not a valid ONNX model (truncated, or not ONNX at all)") from None
    if not model.graph.node and not model.graph.output:
        raise ModelFileError(f"{path}: not a valid ONNX model (no graph; truncated or not ONNX)")
    return model


def check_model_file(path: Path, custom_ops: Sequence[str] = ()) -> CheckedModel:
    """The one check of a model file, used by ``run`` and ``models inspect``: every way it
    can be unusable is a ``ModelFileError`` (or ``UsageError`` for a custom-op library)."""
    model = _read(path)
    external = external_data(model)
    _check_external(path, external)
    domains = {o.domain for o in model.opset_import} | {n.domain for n in model.graph.node}
    libraries = list(custom_ops)
    extensions = session.extensions_library() if EXTENSIONS_DOMAIN in domains else None
    if extensions is not None:
        libraries.append(extensions)
    error = session.load_error(path, libraries)
    if error is not None:
        raise ModelFileError(_load_message(path, model, error, bool(custom_ops)))
    return CheckedModel(model, _advice(path, model, bool(external)), tuple(libraries))


def load_graph(path: Path) -> onnx.ModelProto:
    """Load and check ``path`` (see :func:`check_model_file`)."""
    return check_model_file(path).model


def _load_message(path: Path, model: onnx.ModelProto, error: str, had_libraries: bool) -> str:
    found = _UNREGISTERED.search(error)
    custom = next(((n.domain, n.op_type) for n in model.graph.node
                   if n.domain not in BUILT_IN_DOMAINS), None)
    if found and found.group(1) not in BUILT_IN_DOMAINS:
        custom = (found.group(1), found.group(2))
    if custom is not None:
        domain, op = custom
        hint = ("pip install 'edgebench[extensions]' (onnxruntime-extensions), or "
                if domain == EXTENSIONS_DOMAIN else "")
        given = " (the --custom-ops libraries given do not define it)" if had_libraries else ""
        return (f"{path}: needs custom op {domain}:{op}, which onnxruntime does not have"
                f"{given}; {hint}pass the library that defines it with --custom-ops LIB")
    return f"{path}: onnxruntime cannot load this model: {error}"


def _advice(path: Path, model: onnx.ModelProto, external: bool) -> tuple[str, ...]:
    try:  # by path when weights live outside: the checker then finds the data files
        onnx.checker.check_model(str(path) if external else model)
    except Exception as exc:  # the checker's verdict is advice once onnxruntime loads it
        text = str(exc).strip()
        return (f"onnx.checker: {text.splitlines()[0] if text else type(exc).__name__}",)
    return ()


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


def _check_external(path: Path, external: dict[str, int]) -> None:
    for location, end in external.items():
        data = path.parent / location
        if not data.is_file():
            raise ModelFileError(
                f"{path}: its external data file {location} is missing (expected beside it "
                f"at {data}); copy the model together with its data file")
        size = data.stat().st_size
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


def dim_of(d: onnx.TensorShapeProto.Dimension) -> Dim:
    """One dim as edgebench reads it (see the module docstring)."""
    if d.HasField("dim_value"):
        return int(d.dim_value) if d.dim_value > 0 else None
    name = d.dim_param.strip() if d.HasField("dim_param") else ""
    return name if name and name != "?" else None


def type_text(t: onnx.TypeProto) -> str:
    """A value's type as onnxruntime writes it: ``tensor(float)``, ``seq(map(int64,...))``."""
    kind = t.WhichOneof("value")
    if kind in ("tensor_type", "sparse_tensor_type"):
        elem = getattr(t, kind).elem_type
        name = helper.tensor_dtype_to_string(elem).removeprefix("TensorProto.").lower()
        return f"{'sparse_' if kind == 'sparse_tensor_type' else ''}tensor({name})"
    if kind == "sequence_type":
        return f"seq({type_text(t.sequence_type.elem_type)})"
    if kind == "optional_type":
        return f"optional({type_text(t.optional_type.elem_type)})"
    if kind == "map_type":
        key = helper.tensor_dtype_to_string(t.map_type.key_type).removeprefix("TensorProto.")
        return f"map({key.lower()},{type_text(t.map_type.value_type)})"
    return "unknown"


def _vocabulary(model: onnx.ModelProto) -> tuple[str, ...]:
    """Strings the model's nodes name (categories, labels, pools): what string inputs draw
    from, so that a category encoder sees categories it knows."""
    seen: dict[str, None] = {}
    for node in model.graph.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.STRINGS and attr.name.endswith("strings"):
                seen.update(dict.fromkeys(s.decode("utf-8", "replace") for s in attr.strings))
    return tuple(seen)[:_VOCABULARY_LIMIT]


def graph_inputs(model: onnx.ModelProto, path: Path) -> list[GraphInput]:
    """The inputs a caller must feed (initializers that double as inputs are left out)."""
    initializers = {init.name for init in model.graph.initializer}
    vocabulary = _vocabulary(model)
    inputs = []
    for value in model.graph.input:
        if value.name in initializers:
            continue
        if value.type.WhichOneof("value") != "tensor_type":
            raise InputError(
                f"{path}: input {value.name!r} is {type_text(value.type)}; edgebench generates "
                "tensor inputs only (sequence, map and optional inputs are not supported)")
        tensor = value.type.tensor_type
        dims = tuple(dim_of(d) for d in tensor.shape.dim)
        try:
            dtype = np.dtype(helper.tensor_dtype_to_np_dtype(tensor.elem_type))
        except (KeyError, TypeError, ValueError):
            dtype = None
        if dtype is None or tensor.elem_type in _UNSUPPORTED:
            raise InputError(
                f"{path}: input {value.name!r} is {type_text(value.type)}, an element type "
                "edgebench cannot generate (supported: float, float16, bfloat16, double, "
                "int8-int64, uint8-uint64, bool, string)")
        words = vocabulary if tensor.elem_type == STRING else ()
        inputs.append(GraphInput(value.name, dtype, dims, tensor.elem_type, words))
    return inputs


_UNSUPPORTED = frozenset({
    onnx.TensorProto.UNDEFINED, onnx.TensorProto.COMPLEX64, onnx.TensorProto.COMPLEX128,
    *(getattr(onnx.TensorProto, name) for name in (
        "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4",
        "FLOAT4E2M1", "FLOAT8E8M0", "UINT2", "INT2") if hasattr(onnx.TensorProto, name)),
})
