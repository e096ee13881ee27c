"""Planning: every workload resolved (model, inputs, settings, execution) before anything
runs, so that all bad input is found up front and raised as a ``UsageError``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from bench.device import session
from bench.device.execution import ExecutionPlan, plan_execution
from bench.errors import InputError, SpecError
from bench.measure import engine
from bench.result.models import Emulation
from bench.spec import DeviceProfile, RunSettings
from bench.spec.limits import check_input_bytes
from bench.zoo import ResolvedModel, resolve
from bench.zoo.inputs import InputPlan, plan_inputs


@dataclass(frozen=True)
class Job:
    """One planned workload: a resolved model, its inputs and how to measure it."""

    model: ResolvedModel
    inputs: tuple[InputPlan, ...]
    settings: RunSettings
    execution: ExecutionPlan | None = None
    collectors: tuple[str, ...] = ()
    profile: DeviceProfile | None = None
    emulation: Emulation | None = None


def _check_flags_name_inputs(models: Sequence[ResolvedModel], settings: RunSettings) -> None:
    known = {i.name for m in models for i in m.inputs}
    for flag, names in (("--shape", settings.shapes), ("--value", settings.values)):
        for name in names:
            if name not in known:
                listed = ", ".join(sorted(known)) or "none"
                where = f"model {models[0].name!r}" if len(models) == 1 else "the models"
                raise InputError(f"{flag} {name}=...: {where} has no input {name!r} "
                                 f"(inputs: {listed})")


def _workload_settings(settings: RunSettings, overrides: dict[str, object],
                       where: str = "the workload") -> RunSettings:
    """A workload's own settings apply where the run's settings were not given explicitly;
    the result is validated (model_copy(update=...) would not check it)."""
    update = {k: v for k, v in overrides.items()
              if k not in settings.model_fields_set and v not in (None, {})}
    if not update:
        return settings
    try:
        return RunSettings.model_validate(settings.model_dump() | update)
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise SpecError(f"{where}: with its settings {update}: {message}") from None


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity), or the logical CPU count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def plan(models: Sequence[str], profile: DeviceProfile, settings: RunSettings,
         quick: bool, emulation: Emulation | None = None) -> list[Job]:
    """Resolve every model and input up front; raises on any bad input."""
    if models:
        pairs = [(ref, {}) for ref in models]
    else:
        workloads = profile.quick_workloads() if quick else profile.workloads
        pairs = [(w.model, {"scenario": w.scenario, **w.settings.model_dump(exclude_none=True)})
                 for w in workloads]
    if profile.check_outputs and "check_outputs" not in settings.model_fields_set:
        settings = settings.model_copy(update={"check_outputs": True})
    threads = profile.intra_op_threads()
    if threads is not None and settings.threads is None:
        # a profile written for a bigger device never oversubscribes this host's CPUs
        settings = settings.model_copy(update={"threads": min(threads, usable_cpus())})
    if emulation is not None and emulation.threads is not None:
        capped = min(settings.threads or emulation.threads, emulation.threads)
        settings = settings.model_copy(update={"threads": capped})
    resolved = [resolve(ref, settings.precision) for ref, _ in pairs]
    _check_flags_name_inputs(resolved, settings)
    available = session.available_providers()
    jobs = []
    for model, (_, overrides) in zip(resolved, pairs):
        own = _workload_settings(settings, overrides, f"{profile.name}: workload {model.name!r}")
        if (own.check_outputs and own.reference is None and own.precision != "fp32"
                and model.spec is not None):  # a variant is checked against its fp32 build
            own = own.model_copy(
                update={"reference": str(resolve(model.spec.name, "fp32").path)})
        engine.check_job(model.name, model.inputs, own)
        specs = model.spec.inputs if model.spec else ()
        inputs = plan_inputs(model.name, model.inputs, specs, own.shapes, own.values)
        inputs = engine.batch_inputs(model.inputs, inputs, own)
        check_input_bytes(model.name, [(i.name, i.dtype, i.shape) for i in inputs])
        execution = plan_execution(profile, available, own.threads)
        jobs.append(Job(model, tuple(inputs), own, execution, tuple(profile.collectors),
                        profile, emulation))
    return jobs
