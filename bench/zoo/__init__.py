"""The model registry: resolve a suite name or an ONNX path to a file, its hash and inputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.errors import UsageError
from bench.spec import ModelSpec
from bench.zoo.genai_folder import open_folder
from bench.zoo.graph import GraphInput, check_model_file, graph_inputs, model_sha256
from bench.zoo.manifests import get_manifest, list_models, suite
from bench.zoo.precision import build_variant
from bench.zoo.sources import fp32_file

__all__ = ["ResolvedModel", "build", "list_models", "resolve", "suite"]


@dataclass(frozen=True)
class ResolvedModel:
    """A model ready to run: where its file is, what it hashes to, what it takes."""

    name: str
    path: Path
    sha256: str
    inputs: tuple[GraphInput, ...]
    spec: ModelSpec | None = None
    precision: str = "fp32"
    expected_sha256: str | None = None  # the manifest's pin of the fp32 file, if any
    warnings: tuple[str, ...] = ()  # onnx.checker's advice on a file onnxruntime loads
    custom_ops: tuple[str, ...] = ()  # custom-op libraries its sessions register

    @property
    def sha256_mismatch(self) -> bool:
        """True when an fp32 suite model does not hash to its manifest's pin."""
        return (self.precision == "fp32" and self.expected_sha256 is not None
                and self.sha256 != self.expected_sha256)


def _is_path(ref: str) -> bool:
    """An ONNX file rather than a suite name or a manifest (``*.yaml``)."""
    if ref.endswith((".yaml", ".yml")):
        return False
    return ref.endswith(".onnx") or "/" in ref or Path(ref).is_file() or Path(ref).is_dir()


def build(spec: ModelSpec, manifest: Path, precision: str = "fp32") -> Path:
    """The ONNX file of a suite model at ``precision``: built (once, cached), fetched,
    or taken from its file or package."""
    if precision not in spec.precisions:
        offered = ", ".join(spec.precisions)
        raise UsageError(f"model {spec.name!r} does not offer precision {precision!r} "
                         f"(offered: {offered}; see {manifest})")
    path = fp32_file(spec, manifest)
    if precision == "fp32":
        return path
    return build_variant(spec, path, model_sha256(path), precision)


def resolve(ref: str, precision: str = "fp32", custom_ops: Sequence[str] = ()) -> ResolvedModel:
    """Resolve a suite model name, a manifest (``.yaml``) or an ``.onnx`` file, at ``precision``
    (a path is used as it is: only fp32 applies to it). ``custom_ops``: shared libraries of
    custom operators the model may need (``--custom-ops``)."""
    if _is_path(ref):
        if precision != "fp32":
            raise UsageError(f"--precision {precision}: applies to suite models only; "
                             f"{ref} runs as the file it is (convert it yourself, or use fp32)")
        path = Path(ref)
        name = path.stem
        if path.is_dir() and path.suffix != ".onnx":  # a decoder's folder (GenAI, optimum)
            name, path = path.resolve().name, open_folder(path).model_file
        checked = check_model_file(path, custom_ops)
        return ResolvedModel(name, path, model_sha256(path, checked.model),
                             tuple(graph_inputs(checked.model, path)),
                             warnings=checked.warnings, custom_ops=checked.custom_ops)
    spec, manifest = get_manifest(ref)
    path = build(spec, manifest, precision)
    checked = check_model_file(path, custom_ops)
    return ResolvedModel(spec.name, path, model_sha256(path, checked.model),
                         tuple(graph_inputs(checked.model, path)), spec, precision, spec.sha256,
                         checked.warnings, checked.custom_ops)
