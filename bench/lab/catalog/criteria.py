"""Finding and checking criteria files: built in under ``devices/criteria/``, or a path.

Loading checks every metric and unit against ``bench.lab.catalog.metrics``, so a typo in a
criteria file is a one-line error before anything is judged.
"""

from __future__ import annotations

from pathlib import Path

from bench.errors import SpecError, UsageError, did_you_mean
from bench.lab.catalog.metrics import METRICS, UNITS, compatible
from bench.resources import data_dir
from bench.spec import load_spec
from bench.spec.criteria import CriteriaSpec


def builtin_criteria_path(category: str) -> Path:
    return data_dir("devices") / "criteria" / f"{category}.yaml"


def check_criteria(spec: CriteriaSpec, path: Path) -> CriteriaSpec:
    names = [t.name for t in spec.tiers]
    if len(set(names)) != len(names):
        raise SpecError(f"{path}: tiers: a tier name appears twice ({', '.join(names)})")
    for t, tier in enumerate(spec.tiers):
        for c, criterion in enumerate(tier.criteria):
            where = f"{path}: tiers.{t}.criteria.{c}"
            metric = METRICS.get(criterion.metric)
            if metric is None:
                known = [name for name, m in METRICS.items() if m.available()]
                hint = did_you_mean(criterion.metric, known)
                raise SpecError(f"{where}.metric: unknown metric {criterion.metric!r}{hint}; "
                                f"known: {', '.join(known)}")
            if not metric.available():
                raise SpecError(f"{where}.metric: {criterion.metric!r} is not recorded in "
                                "reports of this edgebench version")
            if criterion.unit is not None and not compatible(criterion.unit, metric):
                same = [u for u in UNITS if compatible(u, metric)]
                raise SpecError(f"{where}.unit: {criterion.unit!r} does not measure "
                                f"{criterion.metric} (use one of {', '.join(same)})")
    return spec


def load_criteria(path: Path | None, category: str) -> tuple[CriteriaSpec, Path]:
    """A criteria file (the built-in one of ``category`` when ``path`` is None)."""
    if path is None:
        path = builtin_criteria_path(category)
        if not path.is_file():
            raise UsageError(f"no built-in criteria for category {category!r}; "
                             "pass --criteria FILE")
    spec = check_criteria(load_spec(path, CriteriaSpec), path)
    if spec.category != category:
        raise UsageError(f"{path}: criteria for category {spec.category!r}, but the report "
                         f"is a {category!r} device")
    return spec, path
