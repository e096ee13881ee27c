"""One ``RunResult`` from the results of several fresh processes. Pure: no process, no
session.

- Every process is kept (``processes.runs``: pid, headline, its own summary, where its
  samples are); ``samples_ns`` holds every process's samples in process order.
- The headline is the median of the per-process headlines; ``latency_ms`` holds, per
  field, the median over processes of each process's own figure (min and max over all),
  and ``throughput_per_s`` the median of the processes' rates; queries and duration add up.
- What one process measures once (cold start: medians; peak memory: the highest; CPU,
  energy, temperature, the scenario's own figures, LoadGen, early stopping) comes from the
  median process: the one whose headline is the (lower) median.
- ``interval`` is the 95 % prediction interval of a fresh process's headline
  (:func:`bench.stats.processes.prediction_interval`) widened to the within-process
  interval (the processes' median relative half width around the headline) where that is
  wider; ``stability`` is the instability test over the processes
  (:func:`bench.stats.processes.stability`), and the competing-load test over each
  process's CPU wait (:func:`bench.stats.processes.competing`).
- A failed repeat is named in ``invalid_reasons`` and its run kept with its cause;
  nothing the other processes measured is lost.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from bench.measure.assemble import result_settings
from bench.measure.plan import Job
from bench.result.models import ColdStart, LatencyMs, Memory, RunResult
from bench.result.processes import (
    PI_METHOD,
    HeadlineInterval,
    ProcessLevel,
    ProcessRun,
    Stability,
)
from bench.result.repeats import field_value
from bench.stats import processes as stats
from bench.stats.drift import DRIFT_THRESHOLD, drift, exceeds


@dataclass(frozen=True)
class Repeat:
    """One process of a run: its own result, or why it failed."""

    index: int
    pid: int | None
    result: RunResult | None
    error: str | None = None


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def _latency(results: Sequence[RunResult]) -> LatencyMs:
    lats = [r.latency_ms for r in results if r.latency_ms is not None]
    fields = {name: _median([getattr(lat, name) for lat in lats])
              for name in ("mean", "p50", "p90", "p95", "p99", "std")}
    return LatencyMs(min=min(lat.min for lat in lats), max=max(lat.max for lat in lats),
                     **fields)


def _run(repeat: Repeat, field: str, first: int) -> ProcessRun:
    r = repeat.result
    if r is None or r.status != "ok":
        return ProcessRun(index=repeat.index, pid=repeat.pid, status="failed",
                          error=repeat.error or (r.error if r else None) or "failed")
    return ProcessRun(
        index=repeat.index, pid=repeat.pid, status="ok", headline=field_value(r, field),
        relative_half_width=r.interval.relative_half_width if r.interval else None,
        latency_ms=r.latency_ms, throughput_per_s=r.throughput_per_s, queries=r.queries,
        first_sample=first, duration_s=r.duration_s, ended_by=r.ended_by,
        cold_start=r.cold_start, peak_rss_bytes=r.memory.peak_rss_bytes if r.memory else None,
        cpu_wait_pct=r.cpu.process_wait_pct if r.cpu else None,
        drift=_drift(r.samples_ns), invalid_reasons=list(r.invalid_reasons))


def _drift(samples_ns: Sequence[int]) -> float | None:
    found = drift(samples_ns)
    return round(found.ratio, 6) if found is not None else None


def _why_apart(drifts: Sequence[float | None], waits: Sequence[float | None],
               names: Sequence[int]) -> str:
    """What the processes' drift says about a disagreement: the host moved inside them (or
    another process did, when those that moved also waited for a CPU), or each kept one
    speed (empty when a process's drift is unknown)."""
    moved = [i for i, d in enumerate(drifts) if exceeds(d)]
    if moved:
        shown = ", ".join(f"{names[i]} (x{1 + (drifts[i] or 0.0):.2f})" for i in moved)
        known = list(waits) + [None] * (len(drifts) - len(waits))
        waited = [f"{names[i]} {known[i] or 0.0:.0f}%" for i in moved
                  if (known[i] or 0.0) > stats.WAIT_GAP]
        text = (f"; the speed also moved inside process {shown} from one window of its "
                f"queries to another")
        if waited:
            return text + (f", and it waited for a CPU ({', '.join(waited)} of its run): "
                           f"another process on this machine took the CPU part of the time, "
                           f"or the host changed speed")
        return text + (", while it hardly waited for a CPU: the host itself changed speed "
                       "during the run (another tenant of a virtual machine's host, its "
                       "clock), and a re-run may land on either level (edgebench doctor)")
    if drifts and all(d is not None for d in drifts):
        return (f"; each process kept one speed (none moved by more than "
                f"{DRIFT_THRESHOLD:.0%} inside it): each landed on a level of its own "
                f"(thread placement, memory layout), or the host changed "
                f"speed between them")
    return ""


def _reasons(runs: Sequence[ProcessRun]) -> list[str]:
    """Each distinct reason once, naming the processes it applies to; failed repeats."""
    by_reason: dict[str, list[int]] = {}
    for run in runs:
        for reason in run.invalid_reasons:
            by_reason.setdefault(reason, []).append(run.index)
    reasons = [f"process {', '.join(map(str, idx))}: {reason}"
               for reason, idx in by_reason.items()]
    failed = [run for run in runs if run.status == "failed"]
    reasons += [f"repeat {run.index} of {len(runs)} failed: {run.error}" for run in failed]
    return reasons


def interval(field: str, value: float, values: Sequence[float],
             within: Sequence[float | None]) -> HeadlineInterval:
    """The prediction interval of the headline widened to the within-process one."""
    known = [w for w in within if w is not None]
    width = _median(known) if known else None
    pi = stats.prediction_interval(values)
    ci = stats.confidence_interval(values)
    lows = [b for b in (pi.low, value * (1 - width) if width is not None else None)
            if b is not None]
    highs = [b for b in (pi.high, value * (1 + width) if width is not None else None)
             if b is not None]
    low, high = (min(lows), max(highs)) if lows and highs else (None, None)
    return HeadlineInterval(
        field=field, value=value, low=low, high=high,
        relative_half_width=(max(value - low, high - value) / value
                             if low is not None and high is not None and value > 0 else None),
        covers="fresh process" if len(values) > 1 else "one process",
        processes=len(values), within_process_half_width=width,
        mean_ci_low=ci.low, mean_ci_high=ci.high, method=PI_METHOD)


def stability_of(values: Sequence[float], within: Sequence[float | None],
                 waits: Sequence[float | None] = (),
                 indices: Sequence[int] = (), drifts: Sequence[float | None] = ()) -> Stability:
    """The gap test over ``values``, and the competing-load test over ``waits`` (each
    process's CPU wait, % of one core; ``indices`` name the processes, 1-based); an
    unstable verdict's reason says what ``drifts`` (each process's, ``bench.stats.drift``)
    tell of its cause."""
    test = stats.stability(values, within)
    waited = stats.competing(waits)
    names = list(indices) or list(range(1, len(values) + 1))
    if waited and test.stable is not None:
        least = min(w for w in waits if w is not None)
        shown = ", ".join(f"{names[i]} ({waits[i]:.0f}%)" for i in waited)
        return Stability(
            verdict="unstable", values=list(values), largest_gap=test.largest_gap,
            allowed_gap=test.allowed_gap, waits=list(waits),
            reason=f"another process competed for the CPUs: process {shown} waited for a "
                   f"CPU for that share of its run, another only {least:.0f}% (run-queue "
                   f"delay, schedstat)")
    if test.stable is None:
        reason = "one process: stability cannot be judged (--repeats 2 or more)"
    elif test.stable:
        reason = (f"the processes agree: the largest gap between neighbours is "
                  f"{test.largest_gap:.1%}, their intervals allow {test.allowed_gap:.1%}")
    else:
        low, high = test.between or (0.0, 0.0)
        reason = (f"the processes disagree: {low:.4g} and {high:.4g} are {test.largest_gap:.1%}"
                  f" apart, their intervals allow {test.allowed_gap:.1%}"
                  + _why_apart(drifts, waits, names))
    return Stability(verdict=test.verdict, reason=reason, values=list(values),
                     largest_gap=test.largest_gap, allowed_gap=test.allowed_gap,
                     waits=list(waits))


def median_index(values: Sequence[float]) -> int:
    """The position of the (lower) median value."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    return order[(len(values) - 1) // 2]


def merge(job: Job, repeats: Sequence[Repeat], per_process_duration_s: float,
          per_process_min_queries: int) -> RunResult:
    """One result of ``job`` from its processes' results (see the module docstring); at
    least one must have succeeded."""
    scenario, field = job.scenario, job.scenario.headline_field
    runs, first = [], 0
    for repeat in repeats:
        runs.append(_run(repeat, field, first))
        first += runs[-1].queries
    measured = [rep.result for run, rep in zip(runs, repeats)
                if run.status == "ok" and rep.result is not None]
    ok = [(run, rep.result) for run, rep in zip(runs, repeats)
          if run.status == "ok" and rep.result is not None and run.headline is not None]
    if not ok:
        raise ValueError("no process measured its headline")
    values = [run.headline or 0.0 for run, _ in ok]
    within = [run.relative_half_width for run, _ in ok]
    waits = [run.cpu_wait_pct for run, _ in ok]
    results = [r for _, r in ok]
    middle = results[median_index(values)]
    headline = stats.headline(values)
    level = ProcessLevel(repeats=len(repeats), per_process_duration_s=per_process_duration_s,
                         per_process_min_queries=per_process_min_queries, runs=runs)
    cold = [r.cold_start for r in results if r.cold_start is not None]
    memory = [r.memory for r in results if r.memory is not None]
    return middle.model_copy(update={
        "settings": result_settings(job.settings, scenario),
        "valid": not _reasons(runs), "invalid_reasons": _reasons(runs),
        "latency_ms": _latency(results),
        "throughput_per_s": _median([r.throughput_per_s or 0.0 for r in results]),
        "queries": sum(r.queries for r in measured),
        "duration_s": sum(r.duration_s for r in measured),
        "cold_start": ColdStart(
            session_create_ms=_median([c.session_create_ms for c in cold]),
            first_inference_ms=_median([c.first_inference_ms for c in cold])) if cold else None,
        "memory": Memory(
            peak_rss_bytes=max(m.peak_rss_bytes for m in memory),
            peak_rss_method=memory[0].peak_rss_method,
            model_load_rss_delta_bytes=int(_median(
                [m.model_load_rss_delta_bytes for m in memory]))) if memory else None,
        "warmup_samples_ns": [s for r in measured for s in r.warmup_samples_ns],
        "samples_ns": [s for r in measured for s in r.samples_ns],
        "interval": interval(field, headline, values, within),
        "stability": stability_of(values, within, waits, [run.index for run, _ in ok],
                                  [run.drift for run, _ in ok]),
        "processes": level,
        "headline": scenario.headline})
