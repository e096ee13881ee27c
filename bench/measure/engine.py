"""The measurement engine's work around a scenario, called by the runner: the target a
scenario drives, batching of inputs, scenario-aware validity, the report figures, and the
passes that run beside (after) the measured run: output conformance and the operator
profile. The timed loop itself lives in ``bench/scenarios/``.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.device import session
from bench.errors import InputError
from bench.measure import loadgen
from bench.measure.conformance import Tolerance, check_outputs, failure_reasons
from bench.measure.opprofile import read_trace, summarize_trace
from bench.measure.roofline import count_flops, roofline
from bench.measure.scenarios import Measurement, Target, get_scenario
from bench.measure.scenarios.base import RunFn, Tick
from bench.measure.scenarios.token_generation import check_decoder
from bench.result.figures import (
    Conformance,
    EarlyStopping,
    MultiStreamFigures,
    OfflineFigures,
    OpProfile,
    QpsTrial,
    ServerFigures,
    Sustained,
    SweepPoint,
    TokenGenerationFigures,
)
from bench.spec import RunSettings
from bench.stats.summary import MIN_QUERIES_FOR_PERCENTILE, LatencySummary, window_throughput
from bench.zoo.graph import GraphInput, model_sha256
from bench.zoo.inputs import InputPlan

HEADLINES = {
    "single-stream": "p90 latency",
    "multi-stream": "p99 query latency",
    "server": "p99 latency at the target QPS",
    "offline": "samples/s",
    "token-generation": "decode tokens/s",
}
PROFILE_RUNS = 20  # runs in the --profile-ops pass (after warm-up runs, which it keeps too)
SUSTAINED_WINDOWS = 10


def _dynamic_batch(graph: Sequence[GraphInput]) -> list[str]:
    return [g.name for g in graph if g.dims and not isinstance(g.dims[0], int)]


def check_job(model: str, graph: Sequence[GraphInput], settings: RunSettings) -> None:
    """Bad input the scenario settings reveal against a model (raised while planning)."""
    if settings.scenario == "token-generation":
        check_decoder(model, [g.name for g in graph])
    loadgen.check(settings)
    if settings.reference is not None and not Path(settings.reference).is_file():
        raise InputError(f"--reference {settings.reference}: no such file (the fp32 "
                         "reference .onnx for --check-outputs)")
    if settings.batch > 1 and not _dynamic_batch(graph):
        raise InputError(f"--batch {settings.batch}: model {model!r} has no input with a "
                         "dynamic first (batch) dimension")


def batch_inputs(graph: Sequence[GraphInput], plans: Sequence[InputPlan],
                 settings: RunSettings) -> list[InputPlan]:
    """Set the dynamic batch dim to ``batch`` (offline) or ``samples_per_query``
    (multi-stream, which then runs a query as one batch)."""
    size = settings.batch if settings.scenario == "offline" else (
        settings.samples_per_query if settings.scenario == "multi-stream" else 1)
    dynamic = set(_dynamic_batch(graph))
    if size == 1 or not dynamic:
        return list(plans)
    return [dataclasses.replace(p, shape=(size, *p.shape[1:])) if p.name in dynamic else p
            for p in plans]


def target(name: str, path: Path, graph: Sequence[GraphInput],
           opened: session.OpenedSession, threads: int | None) -> Target:
    def open_run(t: int | None) -> Any:
        return session.open_session(path, t, opened.providers).session.run
    return Target(open=open_run, input_dims={g.name: g.dims for g in graph},
                  output_names=session.output_names(opened.session), model=name)


def run_scenario(infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
                 tick: Tick, target_: Target, artifacts: Path | None) -> Measurement:
    """The measured run: edgebench's own scenario, or MLPerf LoadGen driving it."""
    if settings.loadgen == "mlperf":
        folder = None if artifacts is None else (
            artifacts / "loadgen" / _slug(f"{target_.model}-{settings.scenario}"))
        return loadgen.run_loadgen(infer, feeds, settings, folder, tick)
    return get_scenario(settings.scenario).run(infer, feeds, settings, tick, target=target_)


def validity(settings: RunSettings, m: Measurement) -> list[str]:
    """Why a measured run is invalid (empty: valid)."""
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
    lg = m.details.get("loadgen")
    if lg is not None and not lg.valid:
        reasons.append(f"MLPerf LoadGen says INVALID (see {lg.log_dir}/mlperf_log_summary.txt)")
    bound = m.details.get("latency_bound_ms")
    if settings.scenario == "server" and bound is not None and not m.details["within_bound"]:
        reasons.append(f"server p99 {m.details['p99_ms']:.3f} ms exceeds the latency bound "
                       f"{bound:g} ms at {m.details['target_qps']:.1f} QPS")
    return reasons


def _early_stopping(settings: RunSettings, m: Measurement) -> EarlyStopping | None:
    if m.ci is None:
        return None
    ci, target_ = m.ci, settings.ci_target
    return EarlyStopping(
        percentile=ci.percentile, ci_target=target_, value_ms=ci.value / 1e6,
        ci_low_ms=None if ci.low is None else ci.low / 1e6,
        ci_high_ms=None if ci.high is None else ci.high / 1e6,
        relative_half_width=ci.relative_half_width,
        reached=None if target_ is None else ci.within(target_))


def scenario_fields(settings: RunSettings, m: Measurement) -> dict[str, Any]:
    """The scenario's own report fields (headline, per-scenario figures, sustained)."""
    d = m.details
    out: dict[str, Any] = {"headline": HEADLINES.get(settings.scenario),
                           "early_stopping": _early_stopping(settings, m)}
    if "loadgen" in d:
        out["loadgen"] = d["loadgen"]
        return out
    if settings.scenario == "multi-stream":
        out["multi_stream"] = MultiStreamFigures(samples_per_query=d["samples_per_query"],
                                                 samples_run_as=d["samples_run_as"])
    elif settings.scenario == "offline":
        out["offline"] = OfflineFigures(
            concurrency=d["concurrency"], batch=d["batch"], threads=d.get("threads"),
            sweep=[SweepPoint(threads=int(s["threads"]), concurrency=int(s["concurrency"]),
                              samples_per_s=s["samples_per_s"]) for s in d.get("sweep", [])])
    elif settings.scenario == "server":
        out["server"] = ServerFigures(
            target_qps=d["target_qps"], achieved_qps=d["achieved_qps"], p99_ms=d["p99_ms"],
            latency_bound_ms=d["latency_bound_ms"], concurrency=d["concurrency"],
            search=[QpsTrial(target_qps=s["target_qps"], p99_ms=s["p99_ms"],
                             valid=bool(s["valid"])) for s in d.get("search", [])])
    elif settings.scenario == "token-generation":
        decode = np.asarray(m.samples_ns, dtype=np.float64)
        out["token_generation"] = TokenGenerationFigures(
            prompt_length=d["prompt_length"], new_tokens=d["new_tokens"],
            generations=d["generations"],
            time_to_first_token_ms=float(np.median(d["prefill_ns"])) / 1e6,
            time_per_output_token_ms=float(decode.mean()) / 1e6 if len(decode) else 0.0,
            decode_tokens_per_s=d["decode_tokens_per_s"], prefill_samples_ns=list(d["prefill_ns"]))
    if settings.sustained_s is not None:
        s = window_throughput(m.ends_ns, m.samples_per_query, m.duration_ns,
                              settings.sustained_s / SUSTAINED_WINDOWS)
        out["sustained"] = Sustained(window_s=s.window_s, throughput_per_s=list(s.throughput_per_s),
                                     stability=s.stability, throttling=s.throttling)
    return out


def roofline_field(settings: RunSettings, path: Path, plans: Sequence[InputPlan],
                   m: Measurement, stats: LatencySummary) -> dict[str, Any]:
    shapes = {p.name: p.shape for p in plans}
    runs_per_query = 1
    if settings.scenario == "multi-stream" and m.details.get("samples_run_as") != "one batch of N":
        runs_per_query = settings.samples_per_query
    if settings.scenario == "token-generation":
        # one decode step ~ half of a two-token step at past = 0 (ONNX shape inference cannot
        # follow the position Range for one token or past > 0); attention over the cache is
        # left out, so this is a lower bound
        shapes = {n: ((s[0], 2) if n == "input_ids" else s) for n, s in shapes.items()}
    try:
        flops = count_flops(path, shapes) * runs_per_query
        if settings.scenario == "token-generation":
            flops //= 2
    except Exception:  # shape inference cannot follow every graph; the figure is optional
        return {}
    qps = len(m.samples_ns) / (m.duration_ns / 1e9) if m.duration_ns else None
    concurrent = settings.scenario == "offline"
    return {"roofline": roofline(flops, stats.p50, qps, concurrent)}


@dataclass(frozen=True)
class Beside:
    conformance: Conformance | None = None
    op_profile: OpProfile | None = None
    reasons: list[str] = field(default_factory=list)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text)


def run_beside(name: str, path: Path, opened: session.OpenedSession,
               feeds: Mapping[str, np.ndarray], settings: RunSettings,
               artifacts: Path | None, tolerance: Tolerance | None = None) -> Beside:
    """The passes after the measured run: output check, operator profile."""
    conformance = None
    reasons: list[str] = []
    if settings.check_outputs:
        reference = Path(settings.reference) if settings.reference else path
        ref = session.open_session(reference, None, (session.CPU,)).session
        ref_names = session.output_names(ref)
        expected = dict(zip(ref_names, ref.run(None, dict(feeds))))
        got = opened.session.run(None, dict(feeds))
        conformance = check_outputs(session.output_names(opened.session), got, expected,
                                    settings.precision, str(reference), model_sha256(reference),
                                    tolerance)
        reasons = failure_reasons(conformance)
    profile = None
    if settings.profile_ops:
        folder = artifacts if artifacts is not None else Path(tempfile.mkdtemp("-edgebench"))
        prefix = folder / "op-profiles" / _slug(f"{name}-{settings.scenario}")
        trace = session.profile_runs(path, dict(feeds), PROFILE_RUNS, prefix, settings.threads,
                                     opened.providers)
        label = str(trace.relative_to(folder)) if artifacts is not None else str(trace)
        profile = summarize_trace(read_trace(trace), label)
    return Beside(conformance, profile, reasons)



def settings_fields(settings: RunSettings) -> dict[str, Any]:
    """The scenario settings a report records (those the scenario uses; None otherwise)."""
    used = {
        "multi-stream": ("samples_per_query",),
        "offline": ("concurrency", "batch"),
        "server": ("concurrency", "target_qps", "find_max_qps", "latency_bound_ms"),
        "token-generation": ("prompt_length", "new_tokens"),
    }.get(settings.scenario, ())
    fields = {name: getattr(settings, name) for name in used}
    fields["ci_target"] = settings.ci_target
    fields["sustained_s"] = settings.sustained_s
    return fields
