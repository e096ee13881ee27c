"""Library calls behind ``edgebench models``: build a suite model (or a variant) and
name the dims its manifest binds. Each is one call from Python."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.zoo import resolve
from bench.zoo.manifests import get_manifest


@dataclass(frozen=True)
class Built:
    name: str
    precision: str
    path: Path
    sha256: str
    expected_sha256: str | None

    @property
    def matches(self) -> bool | None:
        """Whether an fp32 build hashes to the manifest's pin (None: nothing to compare)."""
        if self.precision != "fp32" or self.expected_sha256 is None:
            return None
        return self.sha256 == self.expected_sha256


def build_model(name: str, precision: str = "fp32") -> Built:
    model = resolve(name, precision)
    return Built(model.name, precision, model.path, model.sha256, model.expected_sha256)


def manifest_dims(name: str) -> dict[str, int]:
    """The symbolic dims a manifest binds, for profiling at the suite's shapes."""
    spec, _ = get_manifest(name)
    return {k: v for item in spec.inputs for k, v in item.dims.items()}
