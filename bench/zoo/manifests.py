"""The reference suite: one YAML manifest per model in the shipped ``models/`` folder."""

from __future__ import annotations

import difflib
from functools import cache
from pathlib import Path

from bench.errors import ModelNotFoundError, SpecError
from bench.resources import data_dir
from bench.spec import ModelSpec, load_spec


@cache
def _load_suite(folder: Path) -> dict[str, tuple[ModelSpec, Path]]:
    suite: dict[str, tuple[ModelSpec, Path]] = {}
    for path in sorted(folder.glob("*.yaml")):
        spec = load_spec(path, ModelSpec)
        if spec.name != path.stem:
            raise SpecError(f"{path}: name: {spec.name!r} must match the file name {path.stem!r}")
        suite[spec.name] = (spec, path)
    return suite


def suite() -> dict[str, tuple[ModelSpec, Path]]:
    """All manifests of the shipped suite, by name, with the file each came from."""
    return _load_suite(data_dir("models"))


def list_models(category: str | None = None) -> list[ModelSpec]:
    specs = [spec for spec, _ in suite().values()]
    return [s for s in specs if category is None or category in s.categories]


def get_manifest(name: str) -> tuple[ModelSpec, Path]:
    try:
        return suite()[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(suite()), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ModelNotFoundError(
            f"unknown model {name!r}{hint}: not in the suite (see 'edgebench models list') "
            "and not a path to an .onnx file"
        ) from None
