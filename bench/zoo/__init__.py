"""The model registry: resolve a suite name or an ONNX path to a file, its hash and inputs."""

from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.errors import SpecError
from bench.files import write_atomic
from bench.spec import BuilderSource, FileSource, ModelSpec
from bench.zoo.builders import get_builder
from bench.zoo.cache import build_key, cache_dir, file_sha256
from bench.zoo.graph import GraphInput, graph_inputs, load_graph
from bench.zoo.manifests import get_manifest, list_models, suite

__all__ = ["ResolvedModel", "build", "list_models", "resolve", "suite"]


@dataclass(frozen=True)
class ResolvedModel:
    """A model ready to run: where its file is, what it hashes to, what it takes."""

    name: str
    path: Path
    sha256: str
    inputs: tuple[GraphInput, ...]
    spec: ModelSpec | None = None


def _is_path(ref: str) -> bool:
    return ref.endswith(".onnx") or "/" in ref or Path(ref).is_file()


def build(spec: ModelSpec, manifest: Path) -> Path:
    """The ONNX file of a suite model: built (once, cached) or taken from its file."""
    source: BuilderSource | FileSource = spec.source
    if isinstance(source, FileSource):
        path = Path(source.file)
        return path if path.is_absolute() else manifest.parent / path
    try:
        builder = get_builder(source.builder)
    except SpecError as exc:
        raise SpecError(f"{manifest}: source.builder: {exc}") from None
    code = inspect.getsource(sys.modules[builder.__module__])
    key = build_key(source.builder, source.params, code)
    target = cache_dir() / f"{spec.name}-fp32-{key}.onnx"
    if not target.exists():
        write_atomic(target, builder(source.params).SerializeToString())
    return target


def resolve(ref: str) -> ResolvedModel:
    """Resolve a suite model name or a path to an ``.onnx`` file."""
    if _is_path(ref):
        path = Path(ref)
        model = load_graph(path)
        return ResolvedModel(path.stem, path, file_sha256(path), tuple(graph_inputs(model, path)))
    spec, manifest = get_manifest(ref)
    path = build(spec, manifest)
    model = load_graph(path)
    sha = file_sha256(path)
    return ResolvedModel(spec.name, path, sha, tuple(graph_inputs(model, path)), spec)
