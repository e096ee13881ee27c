"""Typed, validated specs: every file or flag the user writes is parsed here.

One module per kind of spec: ``run`` (settings and input flags), ``model`` (manifests),
``device`` (profiles); ``base`` holds the shared base class and the safe YAML loader.
"""

from bench.spec.base import (
    CATEGORIES,
    Category,
    Precision,
    ScenarioName,
    Spec,
    format_validation_error,
    load_spec,
)
from bench.spec.device import DeviceProfile, Workload
from bench.spec.model import (
    Architecture,
    BuilderSource,
    FileSource,
    Generator,
    InputSpec,
    ModelSource,
    ModelSpec,
    PackageSource,
    Tolerance,
    UrlSource,
)
from bench.spec.run import RunSettings, parse_dims, parse_shapes, parse_values

__all__ = [
    "CATEGORIES", "Architecture", "BuilderSource", "Category", "DeviceProfile", "FileSource",
    "Generator", "InputSpec", "ModelSource", "ModelSpec", "Precision", "RunSettings",
    "ScenarioName", "Spec", "Workload", "format_validation_error", "load_spec", "parse_shapes",
    "parse_values", "PackageSource", "Tolerance", "UrlSource", "parse_dims",
]
