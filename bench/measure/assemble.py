"""A ``RunResult`` from what a run observed: the settings the result records, the validity
rules every scenario shares (and the scenario's own), the headline with its interval, the
scenario's figures, sustained throughput and the roofline. Pure: no session, no timing.

The interval of a result measured in one process (``interval``, ``covers: one process``)
is the within-process interval of its headline: the order statistics of the headline
percentile widened to batch means (``bench.stats.intervals``); for a rate headline that
interval's relative half width around the rate. It says nothing about another process."""

from __future__ import annotations

from bench.device.emulation import over_memory
from bench.measure.observe import Observation
from bench.measure.passes import Passes, roofline_of
from bench.measure.plan import Job
from bench.measure.scenarios import Measurement, Scenario
from bench.result.figures import EarlyStopping, Sustained
from bench.result.models import (
    ColdStart,
    Execution,
    LatencyMs,
    ResultSettings,
    RunResult,
)
from bench.result.processes import WITHIN_METHOD, HeadlineInterval
from bench.result.repeats import field_value
from bench.spec import RunSettings
from bench.stats.summary import (
    MIN_QUERIES_FOR_PERCENTILE,
    PERCENTILE_METHOD,
    LatencySummary,
    throughput_per_s,
    window_throughput,
)

SUSTAINED_WINDOWS = 10


def result_settings(settings: RunSettings, scenario: Scenario) -> ResultSettings:
    """The settings a result records: the common ones and those the scenario uses."""
    used = {name: getattr(settings, name) for name in scenario.uses}
    return ResultSettings(
        duration_s=settings.duration_s, min_queries=settings.min_queries,
        max_duration_s=settings.max_duration_s, warmup=settings.warmup,
        threads=settings.threads, seed=settings.seed, values=dict(settings.values),
        ci_target=settings.ci_target, sustained_s=settings.sustained_s,
        backend=settings.loadgen,
        repeats=settings.repeats if (settings.repeats or 1) > 1 else None, **used)


def failed(job: Job, provider: str, reasons: list[str], error: str,
           execution: Execution | None) -> RunResult:
    """The result of a workload that could not be measured."""
    return RunResult(
        model=job.model.name, model_sha256=job.model.sha256, precision=job.settings.precision,
        scenario=job.settings.scenario, provider=provider,
        input_shapes={p.name: list(p.shape) for p in job.inputs},
        settings=result_settings(job.settings, job.scenario),
        percentile_method=PERCENTILE_METHOD, status="failed", valid=False,
        invalid_reasons=reasons, error=error, execution=execution,
        threads_trial=job.threads_trial)


def validity(settings: RunSettings, scenario: Scenario, m: Measurement) -> list[str]:
    """Why a measured run is invalid (empty: valid): the shared rules, then the scenario's."""
    reasons = []
    queries = len(m.samples_ns)
    if queries < settings.min_queries:
        reasons.append(f"{queries} queries, fewer than min_queries {settings.min_queries} "
                       f"({m.ended_by})")
    p = int(m.headline_percentile)
    needed = MIN_QUERIES_FOR_PERCENTILE.get(p)
    if needed is not None and queries < needed:
        reasons.append(f"{queries} queries cannot support a p{p} claim "
                       f"(MLPerf early stopping needs at least {needed})")
    if settings.ci_target is not None and settings.sustained_s is None:
        if m.ci is None or not m.ci.within(settings.ci_target):
            width = m.ci.relative_half_width if m.ci else None
            got = f"±{width:.2%}" if width is not None else "no bounded interval"
            reasons.append(f"early stopping: the 95% CI of p{p} reached {got}, not "
                           f"±{settings.ci_target:.2%} ({m.ended_by})")
    if m.loadgen is not None and not m.loadgen.valid:
        reasons.append(f"MLPerf LoadGen says INVALID (see {m.loadgen.log_dir}/"
                       "mlperf_log_summary.txt)")
    return reasons + scenario.validity(settings, m)


def early_stopping(settings: RunSettings, m: Measurement) -> EarlyStopping | None:
    """The interval of the headline percentile reached when the run ended."""
    if m.ci is None:
        return None
    ci, target = m.ci, settings.ci_target
    bounds = ci.bounds
    return EarlyStopping(
        percentile=ci.percentile, ci_target=target, value_ms=ci.value / 1e6,
        ci_low_ms=None if bounds is None else bounds[0] / 1e6,
        ci_high_ms=None if bounds is None else bounds[1] / 1e6,
        relative_half_width=ci.relative_half_width,
        reached=None if target is None else ci.within(target))


def sustained(settings: RunSettings, m: Measurement) -> Sustained | None:
    if settings.sustained_s is None:
        return None
    s = window_throughput(m.ends_ns, m.samples_per_query, m.duration_ns,
                          settings.sustained_s / SUSTAINED_WINDOWS)
    return Sustained(window_s=s.window_s, throughput_per_s=list(s.throughput_per_s),
                     stability=s.stability, throttling=s.throttling)


def within_interval(scenario: Scenario, result: RunResult,
                    m: Measurement) -> HeadlineInterval | None:
    """The one-process interval of a result's headline (see the module docstring)."""
    value = field_value(result, scenario.headline_field)
    if value is None:
        return None
    width = m.ci.relative_half_width if m.ci is not None else None
    bounds = m.ci.bounds if m.ci is not None else None
    latency = scenario.headline_field == f"latency_ms.p{m.headline_percentile:g}"
    if latency and bounds is not None and m.ci is not None:
        low, high = bounds[0] / 1e6, bounds[1] / 1e6
    elif width is not None:
        low, high = value * (1 - width), value * (1 + width)
    else:
        low = high = None
    return HeadlineInterval(field=scenario.headline_field, value=value, low=low, high=high,
                            relative_half_width=width, covers="one process",
                            within_process_half_width=width, method=WITHIN_METHOD)


def _reasons(job: Job, o: Observation, passes: Passes,
             cpu_nodes: list[str] | None) -> list[str]:
    execution = job.execution
    reasons = validity(job.settings, job.scenario, o.measured) + passes.reasons
    if job.model.sha256_mismatch:
        reasons.append(f"model sha256 {job.model.sha256[:12]}... differs from the suite "
                       f"manifest's {job.model.expected_sha256}")
    too_big = over_memory(job.emulation, o.memory.peak_rss_bytes)
    reasons += [too_big] if too_big else []
    if cpu_nodes and execution is not None and execution.providers.policy == "forbid":
        reasons.append(f"{len(cpu_nodes)} nodes fell back from {o.providers[0]}: "
                       + ", ".join(cpu_nodes[:10]))
    return reasons


def measured(job: Job, o: Observation, passes: Passes | None = None,
             cpu_nodes: list[str] | None = None, with_roofline: bool = True) -> RunResult:
    """The result of a workload that ran: figures, and whether it is valid and why not."""
    settings, scenario, m = job.settings, job.scenario, o.measured
    passes = passes or Passes()
    stats = LatencySummary.from_ns(m.samples_ns)
    reasons = _reasons(job, o, passes, cpu_nodes)
    own = {} if m.figures is None or m.loadgen is not None else {scenario.result_field: m.figures}
    result = RunResult(
        model=job.model.name, model_sha256=job.model.sha256, precision=settings.precision,
        scenario=settings.scenario, provider=o.providers[0],
        input_shapes={p.name: list(p.shape) for p in job.inputs},
        settings=result_settings(settings, scenario), percentile_method=PERCENTILE_METHOD,
        status="ok", valid=not reasons, invalid_reasons=reasons,
        latency_ms=LatencyMs(min=stats.min, mean=stats.mean, p50=stats.p50, p90=stats.p90,
                             p95=stats.p95, p99=stats.p99, max=stats.max, std=stats.std),
        throughput_per_s=throughput_per_s(stats.n, m.samples_per_query, m.duration_ns),
        queries=stats.n, duration_s=m.duration_ns / 1e9, ended_by=m.ended_by,
        cold_start=ColdStart(session_create_ms=o.session_create_ns / 1e6,
                             first_inference_ms=o.first_inference_ns / 1e6),
        memory=o.memory, warmup_samples_ns=list(m.warmup_samples_ns),
        samples_ns=list(m.samples_ns),
        execution=(job.execution.record(o.providers, cpu_nodes)
                   if job.execution is not None else None),
        energy=o.beside.energy, temperature_c=o.beside.temperature_c,
        gpu_peak_memory_bytes=o.beside.gpu_peak_memory_bytes, cpu=o.cpu,
        conformance=passes.conformance, op_profile=passes.op_profile,
        headline=scenario.headline, back_to_back=scenario.back_to_back,
        early_stopping=early_stopping(settings, m),
        loadgen=m.loadgen, sustained=None if m.loadgen is not None else sustained(settings, m),
        roofline=(roofline_of(scenario, settings, job.model.path, job.inputs, m, stats.p50)
                  if with_roofline else None),
        llm=None if m.llm is None else m.llm.model_copy(update={  # what the engine observed
            "model_load_ms": o.session_create_ns / 1e6,
            "peak_rss_bytes": o.memory.peak_rss_bytes}),
        threads_trial=job.threads_trial, **own)
    return result.model_copy(update={"interval": within_interval(scenario, result, m)})
