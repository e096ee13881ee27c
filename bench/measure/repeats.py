"""``--repeats N``: one workload measured in N fresh worker processes, one after another,
never two at once; each opens its own session, warms up and runs its share of the run.

The run length is split evenly: each process runs ``duration_s / N`` (and its share of
``max_duration_s``) and at least ``min_queries / N`` queries, but never fewer than the
headline percentile needs (64 for p90, 662 for p99, MLPerf's early-stopping bounds), so
each process's own headline is a valid claim. The inputs are generated once, here, and
every process reads the same file. What is checked once per workload (node placement, the
output check, the operator profile) runs here after the processes, on a session of its
own; the roofline uses the median process. :mod:`bench.measure.merge` makes the result;
:mod:`bench.measure.reruns` widens its interval by the earlier invocations.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

from bench.device import session
from bench.measure import assemble, reruns
from bench.measure.merge import Repeat, median_index, merge
from bench.measure.observe import RUN_FAILURES, Observation, open_for
from bench.measure.passes import roofline_of
from bench.measure.plan import Job, with_settings
from bench.measure.progress import Progress
from bench.measure.protocol import feeds_file, job_to_wire
from bench.measure.workers import run_worker
from bench.measure.workload import after_run, failure, process_job, refused
from bench.result.models import RunResult
from bench.result.processes import ProcessLevel, ProcessRun
from bench.spec import RunSettings
from bench.stats.summary import MIN_QUERIES_FOR_PERCENTILE
from bench.zoo.inputs import generate_inputs


def process_settings(settings: RunSettings, percentile: float) -> RunSettings:
    """One process's settings: its share of the run (see the module docstring)."""
    n = settings.repeats or 1
    needed = MIN_QUERIES_FOR_PERCENTILE.get(int(percentile), 1)
    update: dict[str, object] = {
        "repeats": 1, "duration_s": settings.duration_s / n,
        "max_duration_s": settings.max_duration_s / n,
        "min_queries": max(math.ceil(settings.min_queries / n), needed),
        "check_outputs": False, "profile_ops": False, "reference": None}
    return with_settings(settings, update)


def repeat_once(job: Job, repeat: int, feeds: Path, artifacts: Path | None,
            progress: Progress, done: tuple[float, int]) -> tuple[Repeat, Observation | None]:
    """Run one worker; its own result (no roofline), or why it failed."""
    folder = None if artifacts is None else artifacts / f"process-{repeat}"

    def tick(elapsed: float, queries: int) -> None:
        progress.tick(done[0] + elapsed, done[1] + queries)

    wire = job_to_wire(process_job(job), feeds, folder, repeat)
    outcome = run_worker(wire, tick)
    if outcome.observation is None:
        return Repeat(repeat, outcome.pid, None, outcome.error), None
    result = assemble.measured(job, outcome.observation, with_roofline=False)
    return Repeat(repeat, outcome.pid, result), outcome.observation


def _all_failed(job: Job, repeats: list[Repeat], share: RunSettings) -> RunResult:
    runs = [ProcessRun(index=r.index, pid=r.pid, status="failed", error=r.error)
            for r in repeats]
    causes = "; ".join(f"repeat {r.index}: {r.error}" for r in repeats)
    result = assemble.failed(job, job.execution.providers.requested[0] if job.execution
                             else session.CPU,
                             [f"every one of {len(repeats)} processes failed"], causes,
                             job.execution.record() if job.execution else None)
    return result.model_copy(update={"processes": ProcessLevel(
        repeats=len(repeats), per_process_duration_s=share.duration_s,
        per_process_min_queries=share.min_queries, runs=runs)})


def _once_after(job: Job, result: RunResult, feeds: dict[str, np.ndarray],
                artifacts: Path | None, middle: Observation) -> RunResult:
    """The checks made once per workload, and the roofline of the median process."""
    roofline = roofline_of(job.scenario, job.settings, job.model.path, job.inputs,
                           middle.measured, result.latency_ms.p50 if result.latency_ms
                           else 0.0)
    update: dict[str, object] = {"roofline": roofline}
    settings = job.settings
    checks = settings.check_outputs or settings.profile_ops or (
        job.execution is not None and job.execution.checks_nodes())
    if checks:
        opened = open_for(process_job(job))
        cpu_nodes, passes = after_run(job, opened, feeds, artifacts)
        reasons = list(result.invalid_reasons) + passes.reasons
        if cpu_nodes and job.execution is not None and \
                job.execution.providers.policy == "forbid":
            reasons.append(f"{len(cpu_nodes)} nodes fell back from {opened.providers[0]}: "
                           + ", ".join(cpu_nodes[:10]))
        update |= {"conformance": passes.conformance, "op_profile": passes.op_profile,
                   "invalid_reasons": reasons, "valid": not reasons,
                   "execution": job.execution.record(opened.providers, cpu_nodes)
                   if job.execution is not None else result.execution}
    return result.model_copy(update=update)


def measure_repeats(job: Job, progress: Progress, artifacts: Path | None = None) -> RunResult:
    """Measure ``job`` in ``job.settings.repeats`` fresh processes, one after another."""
    blocked = refused(job)
    if blocked is not None:
        return blocked
    share = process_settings(job.settings, job.scenario.percentile)
    one = dataclasses.replace(job, settings=share)
    feeds = generate_inputs(job.inputs, job.settings.seed)
    repeats: list[Repeat] = []
    observations: list[Observation] = []
    done = (0.0, 0)
    with feeds_file(feeds, "edgebench-feeds-") as path:
        for index in range(1, (job.settings.repeats or 1) + 1):
            repeat, observed = repeat_once(one, index, path, artifacts, progress, done)
            repeats.append(repeat)
            if observed is not None and repeat.result is not None:
                observations.append(observed)
                done = (done[0] + repeat.result.duration_s, done[1] + repeat.result.queries)
    ok = [r for r in repeats if r.result is not None and r.result.status == "ok"]
    if not ok:
        return _all_failed(job, repeats, share)
    result = merge(job, repeats, share.duration_s, share.min_queries)
    values = [r.headline or 0.0 for r in (result.processes.runs if result.processes else [])
              if r.status == "ok"]
    middle = observations[median_index(values)] if len(values) == len(observations) \
        else observations[0]
    try:
        result = _once_after(job, result, feeds, artifacts, middle)
    except RUN_FAILURES as exc:
        return failure(job, exc)
    return reruns.widen(job, result)
