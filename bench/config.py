"""Typed, validated specs: every file or flag the user writes is parsed here.

Files are pydantic v2 models, frozen, ``extra="forbid"``: a typo is an error that names the
file and the field. Flags that describe model inputs (``--shape``, ``--value``) are parsed
here too, so the error names the flag.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal, TypeVar, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bench.errors import InputError, SpecError

Category = Literal["phone", "pc", "wearable", "all-in-one"]
ScenarioName = Literal["single-stream"]
Precision = Literal["fp32", "fp16", "int8"]


class Spec(BaseModel):
    """Base of every file-backed spec: frozen, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# --- run settings -------------------------------------------------------------------------


class RunSettings(Spec):
    """How one workload is measured. Defaults follow MLPerf Mobile's normal run length."""

    scenario: ScenarioName = "single-stream"
    precision: Precision = "fp32"
    duration_s: float = Field(60.0, gt=0, description="minimum measured duration")
    min_queries: int = Field(1024, ge=1, description="minimum number of measured queries")
    max_duration_s: float = Field(
        600.0, gt=0, description="hard limit; a run stopped here before min_queries is invalid"
    )
    warmup: int = Field(10, ge=0, description="warm-up queries, timed and reported apart")
    threads: int | None = Field(None, ge=1, description="intra-op threads (None: runtime default)")
    seed: int = Field(0, ge=0, description="seed of the input generator")
    shapes: dict[str, tuple[int, ...]] = Field(default_factory=dict)
    values: dict[str, float] = Field(default_factory=dict)

    @classmethod
    def quick(cls, **overrides: object) -> RunSettings:
        """MLPerf Mobile's quick run length: 128 queries, 10 s minimum, 60 s maximum."""
        base: dict[str, object] = {"duration_s": 10.0, "min_queries": 128, "max_duration_s": 60.0}
        return cls.model_validate(base | overrides)


# --- model manifests ----------------------------------------------------------------------


class BuilderSource(Spec):
    """A deterministic builder registered in ``bench.zoo.builders``."""

    builder: str
    params: dict[str, Union[int, float, str, bool]] = Field(default_factory=dict)


class FileSource(Spec):
    """A local ONNX file; a relative path is taken from the manifest's folder."""

    file: str


ModelSource = Annotated[Union[BuilderSource, FileSource], Field(union_mode="left_to_right")]


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


# --- device profiles ----------------------------------------------------------------------


class Workload(Spec):
    """One model a profile runs, with its scenario; ``quick`` puts it in the quick subset."""

    model: str
    scenario: ScenarioName = "single-stream"
    quick: bool = True


class DeviceProfile(Spec):
    """A device profile: ``devices/<name>.yaml``."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    category: Category
    description: str = ""
    threads: int | None = Field(None, ge=1)
    workloads: list[Workload] = Field(min_length=1)

    def quick_workloads(self) -> list[Workload]:
        return [w for w in self.workloads if w.quick]


# --- loading ------------------------------------------------------------------------------

S = TypeVar("S", bound=BaseModel)


def format_validation_error(path: Path, error: ValidationError) -> str:
    """One line per problem: ``file: field.path: message``."""
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        lines.append(f"{path}: {where}: {message}")
    return "\n".join(lines)


def load_spec(path: Path, model: type[S]) -> S:
    """Read a YAML file safely and validate it; every failure is a ``SpecError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(f"{path}: {where}YAML error: {problem}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path}: expected a mapping of fields at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SpecError(format_validation_error(path, exc)) from None


# --- input flags --------------------------------------------------------------------------


def _split_assignment(flag: str, text: str) -> tuple[str, str]:
    name, sep, rest = text.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise InputError(f"{flag} {text!r}: expected NAME=VALUE (e.g. {flag} x=1,3,224,224)")
    return name.strip(), rest.strip()


def parse_shapes(items: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """Parse repeated ``--shape NAME=D1,D2,...`` flags; dims must be positive integers."""
    shapes: dict[str, tuple[int, ...]] = {}
    for item in items:
        name, rest = _split_assignment("--shape", item)
        try:
            dims = tuple(int(d) for d in rest.split(",")) if rest != "scalar" else ()
        except ValueError:
            raise InputError(
                f"--shape {item!r}: dimensions must be integers separated by commas"
            ) from None
        if any(d <= 0 for d in dims):
            raise InputError(f"--shape {item!r}: every dimension must be a positive integer")
        shapes[name] = dims
    return shapes


def parse_values(items: Iterable[str]) -> dict[str, float]:
    """Parse repeated ``--value NAME=NUMBER`` flags."""
    values: dict[str, float] = {}
    for item in items:
        name, rest = _split_assignment("--value", item)
        try:
            values[name] = float(rest)
        except ValueError:
            raise InputError(f"--value {item!r}: {rest!r} is not a number") from None
    return values
