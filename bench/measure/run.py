"""Running planned workloads: session -> scenario -> RunResult -> Report.

Everything that can be wrong with the user's input is found while planning
(:mod:`bench.measure.plan`), before any model runs; a failure while running is recorded in
that workload's result instead.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from time import perf_counter_ns

from bench._version import __version__
from bench.device import host, session
from bench.device.collectors.beside import Beside
from bench.device.collectors.cpu import CpuCollector
from bench.device.collectors.memory import MemoryCollector
from bench.device.emulation import emulated, emulation_for, over_memory
from bench.device.execution import fallen_back_nodes
from bench.errors import EdgebenchError
from bench.measure import engine
from bench.measure.conformance import Tolerance, tolerance_for
from bench.measure.plan import Job, plan
from bench.measure.progress import Progress, SilentProgress
from bench.measure.scenarios import Measurement
from bench.result.models import (
    ColdStart,
    DeviceInfo,
    Harness,
    LatencyMs,
    Memory,
    Report,
    ResultSettings,
    RunResult,
)
from bench.spec import RunSettings
from bench.spec.profiles import detect_profile, load_profile
from bench.stats.summary import PERCENTILE_METHOD, LatencySummary, throughput_per_s
from bench.zoo import ResolvedModel
from bench.zoo.inputs import generate_inputs


def _validity(settings: RunSettings, measured: Measurement) -> list[str]:
    return engine.validity(settings, measured)


def _tolerance(model: ResolvedModel, precision: str) -> Tolerance:
    """The output-check tolerance: the precision's default, with the manifest's bounds."""
    own = model.spec.tolerance.get(precision) if model.spec else None
    return tolerance_for(precision, own.max_rel if own else None,
                         own.min_cosine if own else None)


def measure(job: Job, progress: Progress, artifacts: Path | None = None) -> RunResult:
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
            threads=settings.threads, seed=settings.seed, values=dict(settings.values),
            backend=settings.loadgen, **engine.settings_fields(settings)),
        percentile_method=PERCENTILE_METHOD,
    )
    feeds = generate_inputs(job.inputs, settings.seed)
    execution = job.execution
    refusal = execution.providers.refusal() if execution is not None else None
    if execution is not None and refusal is not None:
        return RunResult(**base, provider=execution.providers.requested[0], status="failed",
                         valid=False, invalid_reasons=[refusal], error=refusal,
                         execution=execution.record())
    beside = Beside(job.collectors, job.profile.energy_meter if job.profile else None)
    cpu_nodes: list[str] | None = None
    memory = MemoryCollector()
    cpu = CpuCollector()
    memory.start()
    cpu.start()
    rss_before = memory.rss()
    try:
        if execution is None:
            opened = session.open_session(job.model.path, settings.threads)
        else:
            opened = session.open_configured(job.model.path, execution.config)
        rss_loaded = memory.rss()
        t0 = perf_counter_ns()
        opened.session.run(None, feeds)
        first_ns = perf_counter_ns() - t0
        beside.start()
        measured = engine.run_scenario(
            opened.session.run, feeds, settings, progress.tick,
            engine.target(job.model.name, job.model.path, job.model.inputs, opened,
                          settings.threads), artifacts)
        inferences = (len(measured.samples_ns) + len(measured.warmup_samples_ns)) \
            * measured.samples_per_query
        extra = beside.stop(inferences)
        cpu_usage = cpu.stop()
        peak = memory.stop()
        if execution is not None and execution.checks_nodes():
            events = session.node_providers(job.model.path, execution.config, feeds)
            cpu_nodes = fallen_back_nodes(execution, events)
        passes = engine.run_beside(job.model.name, job.model.path, opened, feeds, settings,
                                   artifacts, _tolerance(job.model, settings.precision))
    except Exception as exc:  # onnxruntime's errors carry no common base class
        with contextlib.suppress(Exception):  # stop the samplers' threads, keep the error
            memory.stop()
            cpu.stop()
            beside.stop(0)
        message = str(exc).strip() or type(exc).__name__
        requested = execution.providers.requested[0] if execution else session.CPU
        forbid = execution is not None and execution.providers.policy == "forbid"
        reasons = [f"{requested} could not run every node and the profile forbids fallback"
                   if forbid else "the run failed"]
        return RunResult(**base, provider=requested, status="failed", valid=False,
                         invalid_reasons=reasons, error=message,
                         execution=execution.record() if execution else None)
    stats = LatencySummary.from_ns(measured.samples_ns)
    reasons = _validity(settings, measured) + passes.reasons
    if job.model.sha256_mismatch:
        reasons.append(f"model sha256 {job.model.sha256[:12]}... differs from the suite "
                       f"manifest's {job.model.expected_sha256}")
    too_big = over_memory(job.emulation, peak)
    reasons += [too_big] if too_big else []
    if cpu_nodes and execution is not None and execution.providers.policy == "forbid":
        reasons.append(f"{len(cpu_nodes)} nodes fell back from {opened.providers[0]}: "
                       + ", ".join(cpu_nodes[:10]))
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
        execution=(execution.record(opened.providers, cpu_nodes)
                   if execution is not None else None),
        energy=extra.energy,
        temperature_c=extra.temperature_c,
        gpu_peak_memory_bytes=extra.gpu_peak_memory_bytes,
        cpu=cpu_usage,
        conformance=passes.conformance,
        op_profile=passes.op_profile,
        **engine.scenario_fields(settings, measured),
        **engine.roofline_field(settings, job.model.path, job.inputs, measured, stats),
    )


def new_run_id(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def run(
    models: Sequence[str] = (),
    device: str | None = None,
    settings: RunSettings | None = None,
    quick: bool = False,
    progress: Progress | None = None,
    emulate: bool = False,
    run_id: str | None = None,
    artifacts: Path | None = None,
) -> Report:
    """Benchmark ``models`` (suite names or .onnx paths), or a device profile's workloads
    when none are given (the profile that fits this host when ``device`` is None too).

    Raises a ``UsageError`` for bad input before anything runs. Files a run makes beside
    the report (operator-profile traces) go to ``artifacts`` (the report folder).
    """
    if settings is None:
        settings = RunSettings.quick() if quick else RunSettings()
    progress = progress or SilentProgress()
    profile, origin = load_profile(device or detect_profile())
    emulation = emulation_for(profile) if emulate else None
    jobs = plan(models, profile, settings, quick, emulation)
    if not jobs:
        raise EdgebenchError(f"device profile {profile.name!r} has no workloads to run")
    started = datetime.now(timezone.utc)
    results = []
    with emulated(emulation):
        for index, job in enumerate(jobs, start=1):
            progress.begin(index, len(jobs), f"{job.model.name} {job.settings.scenario}",
                           job.settings.duration_s)
            result = measure(job, progress, artifacts)
            progress.end(result)
            results.append(result)
    return Report(
        run_id=run_id or new_run_id(started),
        created_at=started.isoformat(timespec="seconds"),
        harness=Harness(version=__version__),
        host=host.fingerprint(),
        device=DeviceInfo(name=profile.name, category=profile.category, profile=origin),
        results=results,
        emulation=emulation,
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
