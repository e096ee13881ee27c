"""Expanding a batch plan into the list of runs it stands for, checking every name first.

Everything wrong with a plan (a missing profile or model, a precision a model does not
offer) is found here, before the journal or any output exists.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from bench.errors import ModelNotFoundError, SpecError
from bench.spec import RunSettings, load_spec
from bench.spec.plan import BatchPlan
from bench.spec.profiles import load_profile
from bench.zoo.manifests import get_manifest

# Process start, imports and session creation: a guess added to each run's measured time.
STARTUP_S = 2.0


@dataclass(frozen=True)
class PlannedRun:
    """One run of a batch: a model on a profile at a precision and scenario, one repeat."""

    index: int
    key: str
    profile: str
    model: str
    precision: str
    scenario: str
    repeat: int
    settings: RunSettings

    @property
    def slug(self) -> str:
        """A folder name for the run's outputs: unique (it starts with the index) and safe."""
        text = f"{self.index:03d}-{self.key}".replace("/", "-")
        return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)

    def estimate_s(self) -> float:
        return self.settings.duration_s + STARTUP_S


def _ref_beside(ref: str, base: Path) -> str:
    """A path in a plan is taken from the plan's folder; a bare name stays a name."""
    if ref.endswith((".yaml", ".yml", ".onnx")) or "/" in ref:
        path = Path(ref)
        return str(path if path.is_absolute() else (base / path).resolve())
    return ref


def _check_model(plan_path: Path, ref: str, precision: str) -> None:
    if ref.endswith(".onnx") or "/" in ref:
        if not Path(ref).is_file():
            raise ModelNotFoundError(f"{plan_path}: models: no such ONNX file {ref}")
        return
    try:
        spec, _ = get_manifest(ref)
    except ModelNotFoundError as exc:
        raise ModelNotFoundError(f"{plan_path}: models: {exc}") from None
    if precision not in spec.precisions:
        raise SpecError(f"{plan_path}: precisions: model {ref!r} does not offer {precision!r} "
                        f"(it offers {', '.join(spec.precisions)})")


def _settings(plan_path: Path, fields: dict[str, object]) -> RunSettings:
    try:
        return RunSettings(**fields)  # type: ignore[arg-type]
    except ValidationError as exc:  # settings that do not fit one of the plan's scenarios
        problem = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise SpecError(f"{plan_path}: settings: {problem} (for the runs of scenario "
                        f"{fields['scenario']})") from None


def load_plan(path: Path) -> BatchPlan:
    return load_spec(path, BatchPlan)


def expand(plan: BatchPlan, plan_path: Path) -> list[PlannedRun]:
    """The plan's runs in execution order; raises a ``UsageError`` naming the bad entry."""
    base = plan_path.parent
    given = {k: v for k, v in plan.settings.model_dump().items() if v is not None}
    runs: list[PlannedRun] = []
    checked: set[tuple[str, str]] = set()
    for profile_ref in plan.profiles:
        ref = _ref_beside(profile_ref, base)
        try:
            profile, _ = load_profile(ref)
        except SpecError as exc:
            raise type(exc)(f"{plan_path}: profiles: {exc}") from None
        if plan.models:
            pairs = [(_ref_beside(m, base), s) for m in plan.models
                     for s in (plan.scenarios or ["single-stream"])]
        else:
            workloads = profile.quick_workloads() if plan.quick else profile.workloads
            pairs = [(w.model, s) for w in workloads for s in (plan.scenarios or [w.scenario])]
        threads = (profile.intra_op_threads() if plan.settings.threads is None
                   else plan.settings.threads)
        for model, scenario in pairs:
            for precision in plan.precisions:
                if (model, precision) not in checked:
                    _check_model(plan_path, model, precision)
                    checked.add((model, precision))
                settings = _settings(plan_path, given | {
                    "scenario": scenario, "precision": precision, "threads": threads})
                for repeat in range(1, plan.repeats + 1):
                    name = Path(model).stem if model.endswith(".onnx") else model
                    key = f"{profile.name}/{name}/{precision}/{scenario}/{repeat}"
                    runs.append(PlannedRun(len(runs) + 1, key, ref, model, precision,
                                           scenario, repeat, settings))
    seen: set[str] = set()
    for run in runs:  # one pass: a plan of thousands of runs costs no quadratic check
        if run.key in seen:
            raise SpecError(f"{plan_path}: the plan names run {run.key} twice (a profile or "
                            "model listed twice?)")
        seen.add(run.key)
    return runs


def plan_digest(plan: BatchPlan, runs: list[PlannedRun]) -> str:
    """What a resumed batch must agree with: the plan's content and its expansion."""
    data = {"plan": plan.model_dump(mode="json"),
            "runs": [[r.key, r.profile, r.model, r.settings.model_dump(mode="json")]
                     for r in runs]}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
