"""Planning: every workload resolved (model, inputs, settings, execution) before anything
runs, so that all bad input is found up front and raised as a ``UsageError``."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from bench.device import session
from bench.device.affinity import usable_cpus
from bench.device.execution import ExecutionPlan, plan_execution
from bench.errors import InputError, SpecError, UsageError
from bench.measure import llm_plan, loadgen
from bench.measure.decoding import DecoderLayout
from bench.measure.scenarios import Scenario, get_scenario
from bench.result.models import Emulation
from bench.result.processes import ThreadsTrial
from bench.spec import DeviceProfile, RunSettings
from bench.spec.limits import check_input_bytes
from bench.zoo import ResolvedModel, resolve
from bench.zoo.binding import ModelNames, check_flags
from bench.zoo.decoders import plan_decoder
from bench.zoo.graph import GraphInput
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
    threads_trial: ThreadsTrial | None = None  # set when --threads auto chose the count
    decoder: DecoderLayout | None = None  # a decoder scenario's I/O convention

    @property
    def scenario(self) -> Scenario:
        return get_scenario(self.settings.scenario)


def with_settings(settings: RunSettings, update: Mapping[str, object],
                  where: str = "") -> RunSettings:
    """``settings`` with ``update`` applied and validated again (``model_copy`` would not
    validate); the fields set stay the ones set before plus the update."""
    if not update:
        return settings
    data = settings.model_dump(include=settings.model_fields_set) | dict(update)
    try:
        return RunSettings.model_validate(data)
    except ValidationError as exc:
        item = exc.errors()[0]
        field = ".".join(str(p) for p in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        raise SpecError(f"{where}{field + ': ' if field else ''}{message}") from None


def _workload_settings(settings: RunSettings, overrides: Mapping[str, object],
                       where: str) -> RunSettings:
    """A workload's own settings apply where the run's settings were not given explicitly."""
    update = {k: v for k, v in overrides.items()
              if k not in settings.model_fields_set and v not in (None, {})}
    return with_settings(settings, update, where)


def _check_job(model: str, graph: Sequence[GraphInput], settings: RunSettings) -> None:
    """Bad input the settings reveal against a model (raised while planning)."""
    get_scenario(settings.scenario).check_model(model, graph, settings)
    loadgen.check(settings)
    if settings.reference is not None and not Path(settings.reference).is_file():
        raise InputError(f"--reference {settings.reference}: no such file (the fp32 "
                         "reference .onnx for --check-outputs)")


def _batched(graph: Sequence[GraphInput], plans: Sequence[InputPlan],
             settings: RunSettings) -> list[InputPlan]:
    """Set every dynamic first (batch) dim to the scenario's batch (``Scenario.batch``)."""
    size = get_scenario(settings.scenario).batch(settings)
    dynamic = {g.name for g in graph if g.dims and not isinstance(g.dims[0], int)}
    if size == 1 or not dynamic:
        return list(plans)
    return [dataclasses.replace(p, shape=(size, *p.shape[1:])) if p.name in dynamic else p
            for p in plans]


# Fresh processes a run is split across by default (README "Repeats": why 5);
# EDGEBENCH_REPEATS overrides it (a test suite of many tiny runs sets 1).
DEFAULT_REPEATS = 5
REPEATS_ENV = "EDGEBENCH_REPEATS"


def default_repeats(settings: RunSettings) -> int:
    """The processes a run whose settings name none is split across: one for a sustained
    run (it must run unbroken), else ``$EDGEBENCH_REPEATS`` or ``DEFAULT_REPEATS``."""
    if settings.sustained_s is not None:
        return 1
    text = os.environ.get(REPEATS_ENV, "").strip()
    if not text:
        return DEFAULT_REPEATS
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"{REPEATS_ENV}={text!r}: expected a whole number of processes, "
                         "at least 1")
    return int(text)


def fixed_threads(settings: RunSettings) -> int | None:
    """The intra-op thread count, None while it is the runtime's or still 'auto'."""
    return None if settings.threads == "auto" else settings.threads


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
        settings = with_settings(settings, {"check_outputs": True})
    threads = profile.intra_op_threads()
    if threads is not None and settings.threads is None:
        # a profile written for a bigger device never oversubscribes this host's CPUs
        settings = with_settings(settings, {
            "threads": threads if threads == "auto" else min(threads, usable_cpus())})
    if (emulation is not None and emulation.threads is not None
            and settings.threads != "auto"):  # the auto trial stays within the cap itself
        capped = min(settings.threads or emulation.threads, emulation.threads)
        settings = with_settings(settings, {"threads": capped})
    resolved = [resolve(ref, settings.precision, settings.custom_ops) for ref, _ in pairs]
    names = [ModelNames.of(m.name, ref, m.inputs) for m, (ref, _) in zip(resolved, pairs)]
    check_flags(names, settings.shapes, settings.dims, settings.values)
    available = session.available_providers()
    jobs = []
    for model, (_, overrides), known in zip(resolved, pairs, names):
        where = f"device profile {profile.name!r}, workload {model.name!r}: "
        own = _workload_settings(settings, overrides, where)
        if own.repeats is None:
            own = with_settings(own, {"repeats": default_repeats(own)})
        model, update = llm_plan.prepare(model, own)  # a decoder's engine (GenAI folders)
        own = with_settings(own, update, where)
        if (own.check_outputs and own.reference is None and own.precision != "fp32"
                and model.spec is not None):  # a variant is checked against its fp32 build
            own = with_settings(own, {"reference": str(resolve(model.spec.name, "fp32").path)})
        _check_job(model.name, model.inputs, own)
        decoder = plan_decoder(model, own) if get_scenario(own.scenario).decoder else None
        specs = model.spec.inputs if model.spec else decoder.specs if decoder else ()
        shapes, values, dims = known.scoped(own.shapes, own.values, own.dims)
        inputs = plan_inputs(model.name, model.inputs, specs, shapes, values, dims, model.path,
                             f"{model.name}:" if len(resolved) > 1 else "")
        inputs = _batched(model.inputs, inputs, own)
        check_input_bytes(model.name, [(i.name, i.dtype, i.shape) for i in inputs])
        execution = plan_execution(profile, available, fixed_threads(own))
        jobs.append(Job(model, tuple(inputs), own, execution, tuple(profile.collectors),
                        profile, emulation, decoder=decoder.layout if decoder else None))
    return jobs
