"""Orchestration: spec -> resolved model + session -> scenario -> RunResult -> Report.

Everything that can be wrong with the user's input is found while planning, before any
model runs; a failure while running is recorded in that workload's result instead.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from time import perf_counter_ns

import bench
from bench import host, session
from bench.collectors.memory import MemoryCollector
from bench.spec import DeviceProfile, RunSettings
from bench.errors import EdgebenchError, InputError
from bench.profiles import detect_profile, load_profile
from bench.progress import Progress, SilentProgress
from bench.result import (
    ColdStart, DeviceInfo, Harness, LatencyMs, Memory, Report, ResultSettings, RunResult,
)
from bench.scenarios import Measurement, get_scenario
from bench.stats import MIN_QUERIES_FOR_PERCENTILE, PERCENTILE_METHOD, LatencySummary
from bench.stats import throughput_per_s
from bench.zoo import ResolvedModel, resolve
from bench.zoo.inputs import InputPlan, generate_inputs, plan_inputs


@dataclass(frozen=True)
class Job:
    """One planned workload: a resolved model, its inputs and how to measure it."""

    model: ResolvedModel
    inputs: tuple[InputPlan, ...]
    settings: RunSettings


def _check_flags_name_inputs(models: Sequence[ResolvedModel], settings: RunSettings) -> None:
    known = {i.name for m in models for i in m.inputs}
    for flag, names in (("--shape", settings.shapes), ("--value", settings.values)):
        for name in names:
            if name not in known:
                listed = ", ".join(sorted(known)) or "none"
                where = f"model {models[0].name!r}" if len(models) == 1 else "the models"
                raise InputError(f"{flag} {name}=...: {where} has no input {name!r} "
                                 f"(inputs: {listed})")


def plan(models: Sequence[str], profile: DeviceProfile, settings: RunSettings,
         quick: bool) -> list[Job]:
    """Resolve every model and input up front; raises on any bad input."""
    if models:
        refs = list(models)
    else:
        workloads = profile.quick_workloads() if quick else profile.workloads
        refs = [w.model for w in workloads]
    if profile.threads is not None and settings.threads is None:
        settings = settings.model_copy(update={"threads": profile.threads})
    resolved = [resolve(ref) for ref in refs]
    _check_flags_name_inputs(resolved, settings)
    jobs = []
    for model in resolved:
        specs = model.spec.inputs if model.spec else ()
        inputs = plan_inputs(model.name, model.inputs, specs, settings.shapes, settings.values)
        jobs.append(Job(model, tuple(inputs), settings))
    return jobs


def _validity(settings: RunSettings, measured: Measurement) -> list[str]:
    reasons = []
    queries = len(measured.samples_ns)
    if queries < settings.min_queries:
        reasons.append(f"{queries} queries, fewer than min_queries {settings.min_queries} "
                       f"({measured.ended_by})")
    if queries < MIN_QUERIES_FOR_PERCENTILE[90]:
        reasons.append(f"{queries} queries cannot support a p90 claim "
                       f"(MLPerf early stopping needs at least {MIN_QUERIES_FOR_PERCENTILE[90]})")
    return reasons


def measure(job: Job, progress: Progress) -> RunResult:
    """Run one workload; a failure inside onnxruntime becomes a failed result."""
    settings = job.settings
    base = dict(
        model=job.model.name,
        model_sha256=job.model.sha256,
        precision=settings.precision,
        scenario=settings.scenario,
        input_shapes={p.name: list(p.shape) for p in job.inputs},
        settings=ResultSettings(
            duration_s=settings.duration_s, min_queries=settings.min_queries,
            max_duration_s=settings.max_duration_s, warmup=settings.warmup,
            threads=settings.threads, seed=settings.seed, values=dict(settings.values)),
        percentile_method=PERCENTILE_METHOD,
    )
    feeds = generate_inputs(job.inputs, settings.seed)
    memory = MemoryCollector()
    memory.start()
    rss_before = memory.rss()
    try:
        opened = session.open_session(job.model.path, settings.threads)
        rss_loaded = memory.rss()
        t0 = perf_counter_ns()
        opened.session.run(None, feeds)
        first_ns = perf_counter_ns() - t0
        measured = get_scenario(settings.scenario).run(
            opened.session.run, feeds, settings, progress.tick)
    except Exception as exc:  # onnxruntime's errors carry no common base class
        memory.stop()
        message = str(exc).strip() or type(exc).__name__
        return RunResult(**base, provider=session.CPU, status="failed", valid=False,
                         invalid_reasons=["the run failed"], error=message)
    peak = memory.stop()
    stats = LatencySummary.from_ns(measured.samples_ns)
    reasons = _validity(settings, measured)
    return RunResult(
        **base,
        provider=opened.providers[0],
        status="ok",
        valid=not reasons,
        invalid_reasons=reasons,
        latency_ms=LatencyMs(min=stats.min, mean=stats.mean, p50=stats.p50, p90=stats.p90,
                             p95=stats.p95, p99=stats.p99, max=stats.max, std=stats.std),
        throughput_per_s=throughput_per_s(stats.n, measured.samples_per_query,
                                          measured.duration_ns),
        queries=stats.n,
        duration_s=measured.duration_ns / 1e9,
        ended_by=measured.ended_by,
        cold_start=ColdStart(session_create_ms=opened.create_ns / 1e6,
                             first_inference_ms=first_ns / 1e6),
        memory=Memory(peak_rss_bytes=peak, peak_rss_method=memory.method,
                      model_load_rss_delta_bytes=rss_loaded - rss_before),
        warmup_samples_ns=list(measured.warmup_samples_ns),
        samples_ns=list(measured.samples_ns),
    )


def new_run_id(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def run(
    models: Sequence[str] = (),
    device: str | None = None,
    settings: RunSettings | None = None,
    quick: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Benchmark ``models`` (suite names or .onnx paths), or a device profile's workloads
    when none are given (the profile that fits this host when ``device`` is None too).

    Raises a ``UsageError`` for bad input before anything runs.
    """
    if settings is None:
        settings = RunSettings.quick() if quick else RunSettings()
    progress = progress or SilentProgress()
    profile, origin = load_profile(device or detect_profile())
    jobs = plan(models, profile, settings, quick)
    if not jobs:
        raise EdgebenchError(f"device profile {profile.name!r} has no workloads to run")
    started = datetime.now(timezone.utc)
    results = []
    for index, job in enumerate(jobs, start=1):
        progress.begin(index, len(jobs), f"{job.model.name} {job.settings.scenario}",
                       job.settings.duration_s)
        result = measure(job, progress)
        progress.end(result)
        results.append(result)
    return Report(
        run_id=new_run_id(started),
        created_at=started.isoformat(timespec="seconds"),
        harness=Harness(version=bench.__version__),
        host=host.fingerprint(),
        device=DeviceInfo(name=profile.name, category=profile.category, profile=origin),
        results=results,
    )


def run_one(model: str, settings: RunSettings | None = None,
            device: str | None = None) -> RunResult:
    """Benchmark one model (a suite name or an .onnx path) and return its one result, with
    no report around it (no host fingerprint): the call the pytest plugin and ``ab`` make.

    ``settings`` default to MLPerf Mobile's quick run length; the device profile (the one
    that fits this host when None) only supplies its thread count. Raises a ``UsageError``
    for bad input before anything runs; a failed run is returned with ``status="failed"``.
    """
    profile, _ = load_profile(device or detect_profile())
    job = plan([model], profile, settings or RunSettings.quick(), quick=False)[0]
    return measure(job, SilentProgress())
