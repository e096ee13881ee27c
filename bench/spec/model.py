"""Reference model manifests: ``models/<name>.yaml``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from bench.spec.base import Category, Precision, Spec


class BuilderSource(Spec):
    """A deterministic builder registered in ``bench.zoo.builders``."""

    builder: str
    params: dict[str, int | float | str | bool] = Field(default_factory=dict)


class FileSource(Spec):
    """A local ONNX file; a relative path is taken from the manifest's folder."""

    file: str


class UrlSource(Spec):
    """A file downloaded once into the cache and refused unless it hashes to ``sha256``."""

    url: str = Field(pattern=r"^(https?|file)://")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class PackageSource(Spec):
    """A file shipped inside an installed pip distribution (found without importing it)."""

    package: str = Field(description="the distribution name pip installs, e.g. silero-vad")
    path: str = Field(description="the file inside it, e.g. silero_vad/data/silero_vad.onnx")
    extra: str = Field("real-models", description="the edgebench extra that installs it")


_SOURCE_KEYS = ("builder", "file", "url", "package")


def _source_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        return next((k for k in _SOURCE_KEYS if k in value), None)
    for kind, cls in zip(_SOURCE_KEYS, (BuilderSource, FileSource, UrlSource, PackageSource)):
        if isinstance(value, cls):
            return kind
    return None


ModelSource = Annotated[
    Annotated[BuilderSource, Tag("builder")] | Annotated[FileSource, Tag("file")]
    | Annotated[UrlSource, Tag("url")] | Annotated[PackageSource, Tag("package")],
    Discriminator(_source_kind, custom_error_type="source_kind",
                  custom_error_message="needs one of the keys builder, file, url, package"),
]


class Generator(Spec):
    """How the values of one input are generated (seeded, once, before timing)."""

    kind: Literal["uniform", "normal", "int", "constant", "file"] = "uniform"
    low: float = 0.0
    high: float = 1.0
    mean: float = 0.0
    std: float = 1.0
    value: float = 0.0
    path: str | None = Field(None, description="kind file: a .npy or .npz, relative to the "
                                               "manifest's folder")
    key: str | None = Field(None, description="kind file, .npz: the array's name")

    @model_validator(mode="after")
    def _file_needs_path(self) -> Generator:
        if self.kind == "file" and not self.path:
            raise ValueError("kind 'file' needs a path to a .npy or .npz file")
        if self.path and not self.path.endswith((".npy", ".npz")):
            raise ValueError(f"path {self.path!r}: expected a .npy or .npz file")
        return self


class InputSpec(Spec):
    """One model input as the manifest sees it: bound symbolic dims and a generator."""

    name: str
    dims: dict[str, int] = Field(default_factory=dict, description="symbolic dim -> default size")
    shape: list[int] | None = Field(None, description="the whole shape, for inputs whose "
                                                      "dynamic dims have no names")
    generator: Generator | None = None


class Architecture(Spec):
    """The public architecture a suite model follows, and its published figures."""

    name: str
    reference: str = ""
    params: int | None = Field(None, gt=0, description="published parameter count")
    macs: int | None = Field(None, gt=0, description="published multiply-accumulates")


class Tolerance(Spec):
    """How far a precision variant's outputs may drift from fp32 on the same seeded inputs,
    per output. Each bound is optional; an unset one keeps the default for the precision.

    ``rel_l2`` (||y - y_fp32|| / ||y_fp32||) bounds the zoo's own precision tests;
    ``max_rel`` (max |y - y_fp32| / max |y_fp32|) and ``min_cosine`` are what
    ``--check-outputs`` applies to a run (``bench.measure.conformance``)."""

    rel_l2: float | None = Field(None, gt=0)
    max_rel: float | None = Field(None, gt=0)
    min_cosine: float | None = Field(None, gt=0, le=1)


class ModelSpec(Spec):
    """A reference model manifest: ``models/<name>.yaml``."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    task: str
    description: str = ""
    categories: list[Category] = Field(min_length=1)
    architecture: Architecture | None = None
    source: ModelSource
    inputs: list[InputSpec] = Field(default_factory=list)
    precisions: list[Precision] = Field(default_factory=lambda: ["fp32"])
    size: Literal["small", "large"] = "small"
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    quantization: Literal["static", "dynamic"] = Field(
        "static", description="int8: QDQ static (CNNs) or dynamic (transformer MatMuls)")
    tolerance: dict[Precision, Tolerance] = Field(default_factory=dict)
