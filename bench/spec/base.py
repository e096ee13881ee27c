"""What every spec shares: the frozen, extra-forbidding base and the YAML loader.

Every file the user writes is a pydantic v2 model derived from :class:`Spec`; a typo is an
error that names the file and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, TypeVar, get_args

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from bench.errors import SpecError, did_you_mean
from bench.measure.scenarios import get_scenario

Category = Literal["phone", "pc", "wearable", "all-in-one"]
CATEGORIES: tuple[str, ...] = ("phone", "pc", "wearable", "all-in-one")
Precision = Literal["fp32", "fp16", "int8"]


def _registered(name: str) -> str:
    get_scenario(name)  # ValueError with a did-you-mean hint when no scenario has the name
    return name


# A scenario name: any scenario in the registry (bench.measure.scenarios), built in or not.
ScenarioName = Annotated[str, AfterValidator(_registered)]


class Spec(BaseModel):
    """Base of every file-backed spec: frozen, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


S = TypeVar("S", bound=BaseModel)


def _field_names(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[str]:
    """Every field name of ``model`` and of the models nested in it (for did-you-mean)."""
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)
    stack = [f.annotation for f in model.model_fields.values()]
    while stack:
        kind = stack.pop()
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names |= _field_names(kind, seen)
        else:
            stack.extend(get_args(kind))
    return names


def format_validation_error(path: Path, error: ValidationError,
                            model: type[BaseModel] | None = None) -> str:
    """One line per problem: ``file: field.path: message``."""
    lines = []
    known = sorted(_field_names(model)) if model is not None else []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown field" + did_you_mean(str(item["loc"][-1]), known)
        elif item["type"] == "literal_error":
            message += f", not {item['input']!r}"
        lines.append(f"{path}: {where}: {message}")
    return "\n".join(lines)


def load_spec(path: Path, model: type[S]) -> S:
    """Read a YAML file safely and validate it; every failure is a ``SpecError``."""
    data = read_mapping(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SpecError(format_validation_error(path, exc, model)) from None


def read_mapping(path: Path) -> dict[str, object]:
    """Read a YAML file safely (no language-specific tags); it must hold a mapping."""
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
        if isinstance(exc, yaml.constructor.ConstructorError):
            problem += " (tags such as !!python/object are refused: files are loaded safely)"
        raise SpecError(f"{path}: {where}YAML error: {problem}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path}: expected a mapping of fields at the top level")
    return data
