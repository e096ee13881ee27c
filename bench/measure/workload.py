"""One workload in this process: the plain values a process measures from
(:class:`ProcessJob`), the measured run (:func:`bench.measure.observe.observe`), the checks
made once after it (node placement, output check, operator profile) and its result, or the
failed result when onnxruntime fails. ``--repeats N`` measures in worker processes instead
(:mod:`bench.measure.repeats`), with the same pieces."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from bench.device import session
from bench.device.execution import fallen_back_nodes
from bench.measure import assemble
from bench.measure.observe import RUN_FAILURES, ProcessJob, observe
from bench.measure.passes import Passes, run_passes, tolerance_of
from bench.measure.plan import Job
from bench.measure.progress import Progress
from bench.result.models import RunResult
from bench.zoo.inputs import generate_inputs


def process_job(job: Job) -> ProcessJob:
    """What a process needs to measure ``job`` (threads already resolved)."""
    return ProcessJob(
        model=job.model.name, path=job.model.path,
        settings=job.settings.model_copy(update={"custom_ops": tuple(job.model.custom_ops)}),
        config=job.execution.config if job.execution is not None else None,
        collectors=job.collectors, meter=job.profile.energy_meter if job.profile else None,
        input_dims={g.name: g.dims for g in job.model.inputs}, decoder=job.decoder)


def failure(job: Job, exc: BaseException) -> RunResult:
    """The failed result of a run that raised one of ``RUN_FAILURES``."""
    execution = job.execution
    message = str(exc).strip() or type(exc).__name__
    requested = execution.providers.requested[0] if execution else session.CPU
    forbid = execution is not None and execution.providers.policy == "forbid"
    reasons = [f"{requested} could not run every node and the profile forbids fallback"
               if forbid else "the run failed"]
    return assemble.failed(job, requested, reasons, message,
                           execution.record() if execution else None)


def refused(job: Job) -> RunResult | None:
    """The result of a workload whose providers the profile refuses, or None."""
    execution = job.execution
    refusal = execution.providers.refusal() if execution is not None else None
    if execution is None or refusal is None:
        return None
    return assemble.failed(job, execution.providers.requested[0], [refusal], refusal,
                           execution.record())


def after_run(job: Job, opened: session.OpenedSession, feeds: Mapping[str, np.ndarray],
              artifacts: Path | None) -> tuple[list[str] | None, Passes]:
    """What is checked once per workload after it was measured, outside the timed run:
    where nodes ran (a non-CPU first provider) and the passes (output check, op profile)."""
    execution, settings = job.execution, job.settings
    cpu_nodes = None
    if execution is not None and execution.checks_nodes():
        events = session.node_providers(job.model.path, execution.config, feeds)
        cpu_nodes = fallen_back_nodes(execution, events)
    passes = run_passes(job.model.name, job.model.path, opened, feeds, settings,
                        artifacts, tolerance_of(job.model, settings.precision))
    return cpu_nodes, passes


def measure(job: Job, progress: Progress, artifacts: Path | None = None) -> RunResult:
    """Run one workload in this process; a failure inside onnxruntime becomes a failed
    result. With ``repeats`` > 1, see :func:`measure_job`."""
    blocked = refused(job)
    if blocked is not None:
        return blocked
    feeds = generate_inputs(job.inputs, job.settings.seed)
    try:
        observed, opened = observe(process_job(job), feeds, progress.tick, artifacts)
        cpu_nodes, passes = after_run(job, opened, feeds, artifacts)
    except RUN_FAILURES as exc:
        return failure(job, exc)
    return assemble.measured(job, observed, passes, cpu_nodes)
