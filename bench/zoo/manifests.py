"""The reference suite: one YAML manifest per model in the shipped ``models/`` folder."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bench.errors import ModelNotFoundError, SpecError, did_you_mean
from bench.resources import data_dir
from bench.spec import ModelSpec, load_spec


@cache
def _load_suite(folder: Path) -> dict[str, tuple[ModelSpec, Path]]:
    suite: dict[str, tuple[ModelSpec, Path]] = {}
    for path in sorted(folder.glob("*.yaml")):
        spec = load_spec(path, ModelSpec)
        if spec.name != path.stem:
            raise SpecError(f"{path}: name: {spec.name!r} must match the file name {path.stem!r}")
        suite[spec.name] = (_anchor_files(spec, path), path)
    return suite


def _anchor_files(spec: ModelSpec, manifest: Path) -> ModelSpec:
    """Input files named relative to the manifest, made absolute."""
    inputs = []
    for item in spec.inputs:
        g = item.generator
        if g is not None and g.path and not Path(g.path).is_absolute():
            g = g.model_copy(update={"path": str(manifest.parent / g.path)})
            item = item.model_copy(update={"generator": g})
        inputs.append(item)
    return spec.model_copy(update={"inputs": inputs})


def suite() -> dict[str, tuple[ModelSpec, Path]]:
    """All manifests of the shipped suite, by name, with the file each came from."""
    return _load_suite(data_dir("models"))


def list_models(category: str | None = None) -> list[ModelSpec]:
    specs = [spec for spec, _ in suite().values()]
    return [s for s in specs if category is None or category in s.categories]


def load_manifest(path: Path) -> tuple[ModelSpec, Path]:
    """A manifest outside the suite (a user's model): ``edgebench run my_model.yaml``."""
    if not path.is_file():
        raise ModelNotFoundError(f"{path}: no such manifest")
    return _anchor_files(load_spec(path, ModelSpec), path), path


def get_manifest(name: str) -> tuple[ModelSpec, Path]:
    """A suite model by name, or a manifest file by path (``*.yaml``)."""
    if name.endswith((".yaml", ".yml")):
        return load_manifest(Path(name))
    try:
        return suite()[name]
    except KeyError:
        hint = did_you_mean(name, suite())
        raise ModelNotFoundError(
            f"unknown model {name!r}{hint}: not in the suite (see 'edgebench models list') "
            "and not a path to an .onnx file"
        ) from None
