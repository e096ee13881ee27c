"""Where built models are kept: a folder under the user cache dir, files written atomically.

``EDGEBENCH_CACHE_DIR`` overrides the location (tests point it at a temporary folder).

A model whose weights are past what one ONNX file can hold (protobuf's 2 GiB) is written as
``NAME.onnx`` plus its weights in ``NAME.onnx.data`` beside it (ONNX external data). The data
file is put in place first and the ``.onnx`` last, so a model file that exists is whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import onnx
import platformdirs

from bench.files import new_file_mode, write_atomic

# Weights up to this size stay inside the .onnx file; past it they go to external data
# (protobuf refuses to serialize 2 GiB; the margin is for the graph itself).
INLINE_WEIGHTS_LIMIT = 2**31 - 2**27
EXTERNAL_DATA_SUFFIX = ".data"


def cache_dir() -> Path:
    root = os.environ.get("EDGEBENCH_CACHE_DIR") or platformdirs.user_cache_dir("edgebench")
    path = Path(root) / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def build_key(builder: str, params: Mapping[str, object], code: str) -> str:
    """A stable name for what a builder makes from these params with this code: a changed
    builder never serves a stale file from the cache."""
    canonical = json.dumps({"builder": builder, "params": dict(params)}, sort_keys=True)
    return hashlib.sha256(canonical.encode() + code.encode()).hexdigest()[:16]


def fits_inline(model: onnx.ModelProto, limit: int = INLINE_WEIGHTS_LIMIT) -> bool:
    """Whether ``model``'s weights stay inside its .onnx file (else: external data)."""
    return sum(tensor.ByteSize() for tensor in model.graph.initializer) < limit


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def write_model(target: Path, model: onnx.ModelProto,
                inline_limit: int = INLINE_WEIGHTS_LIMIT) -> None:
    """Write ``model`` to ``target`` atomically; past ``inline_limit`` bytes of weights, with
    its weights in ``target.name + '.data'`` (checked by path before it is put in place).
    The model's weights are moved out of ``model`` in that case."""
    if fits_inline(model, inline_limit):
        write_atomic(target, model.SerializeToString())
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    data_name = target.name + EXTERNAL_DATA_SUFFIX
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}.") as tmp:
        staged = Path(tmp) / target.name
        onnx.save_model(model, staged, save_as_external_data=True,
                        all_tensors_to_one_file=True, location=data_name, size_threshold=1024)
        onnx.checker.check_model(str(staged))
        mode = new_file_mode()
        for path in (staged, Path(tmp) / data_name):
            _fsync(path)
            os.chmod(path, mode)
        os.replace(Path(tmp) / data_name, target.parent / data_name)
        os.replace(staged, target)
