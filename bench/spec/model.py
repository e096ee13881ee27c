"""Reference model manifests: ``models/<name>.yaml``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from bench.spec.base import Category, Precision, Spec


class BuilderSource(Spec):
    """A deterministic builder registered in ``bench.zoo.builders``."""

    builder: str
    params: dict[str, int | float | str | bool] = Field(default_factory=dict)


class FileSource(Spec):
    """A local ONNX file; a relative path is taken from the manifest's folder."""

    file: str


ModelSource = Annotated[BuilderSource | FileSource, Field(union_mode="left_to_right")]


class Generator(Spec):
    """How the values of one input are generated (seeded, once, before timing)."""

    kind: Literal["uniform", "normal", "int", "constant"] = "uniform"
    low: float = 0.0
    high: float = 1.0
    mean: float = 0.0
    std: float = 1.0
    value: float = 0.0


class InputSpec(Spec):
    """One model input as the manifest sees it: bound symbolic dims and a generator."""

    name: str
    dims: dict[str, int] = Field(default_factory=dict, description="symbolic dim -> default size")
    generator: Generator | None = None


class Architecture(Spec):
    name: str
    reference: str = ""


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
