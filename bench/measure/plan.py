"""Planning: every workload resolved (model, inputs, settings, execution) before anything
runs, so that all bad input is found up front and raised as a ``UsageError``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from bench.device import session
from bench.device.execution import ExecutionPlan, plan_execution
from bench.measure import engine
from bench.result.models import Emulation
from bench.spec import DeviceProfile, RunSettings
from bench.zoo import ResolvedModel, resolve
from bench.zoo.binding import ModelNames, check_flags
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


def _workload_settings(settings: RunSettings, overrides: dict[str, object]) -> RunSettings:
    """A workload's own settings apply where the run's settings were not given explicitly."""
    update = {k: v for k, v in overrides.items()
              if k not in settings.model_fields_set and v not in (None, {})}
    return settings.model_copy(update=update) if update else settings


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
    resolved = [resolve(ref, settings.precision, settings.custom_ops) for ref, _ in pairs]
    names = [ModelNames.of(m.name, ref, m.inputs) for m, (ref, _) in zip(resolved, pairs)]
    check_flags(names, settings.shapes, settings.dims, settings.values)
    available = session.available_providers()
    jobs = []
    for model, (_, overrides), known in zip(resolved, pairs, names):
        own = _workload_settings(settings, overrides)
        if (own.check_outputs and own.reference is None and own.precision != "fp32"
                and model.spec is not None):  # a variant is checked against its fp32 build
            own = own.model_copy(
                update={"reference": str(resolve(model.spec.name, "fp32").path)})
        engine.check_job(model.name, model.inputs, own)
        specs = model.spec.inputs if model.spec else ()
        shapes, values, dims = known.scoped(own.shapes, own.values, own.dims)
        inputs = plan_inputs(model.name, model.inputs, specs, shapes, values, dims, model.path,
                             f"{model.name}:" if len(resolved) > 1 else "")
        inputs = engine.batch_inputs(model.inputs, inputs, own)
        execution = plan_execution(profile, available, own.threads)
        jobs.append(Job(model, tuple(inputs), own, execution, tuple(profile.collectors),
                        profile, emulation))
    return jobs
