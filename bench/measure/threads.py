"""``--threads auto`` (the built-in ``host`` profile's default): the intra-op thread count
chosen from a short trial, before the workload is measured.

Candidates are 1, 2, 4, ... up to the CPUs this process may use (and the CPU count
itself), capped by an emulated thread limit. Each candidate is measured in two short runs,
in rounds that rotate which candidate goes first, and in more rounds (up to
``TRIAL_PROCESSES``) only while the rounds so far would choose more threads than the fewest
(more rounds cannot make the fewest-thread choice safer, only a more-thread one: on this VM
a count that is bimodal across processes looked steady in three); with
``--repeats`` 2 or more each trial run is a fresh worker process (a level that is set per
process shows up as spread), with ``--repeats 1`` a fresh session in this process.

The choice (:func:`choose`): a candidate is *steady* when its trial values pass the
instability test of :mod:`bench.stats.processes` and lie within ``STEADY_SPREAD`` of each
other. Among the steady candidates, the fastest by median headline wins, except that
fewer threads win over more unless more are faster by ``PREFER_FEWER`` (fewer threads are
less exposed to where the scheduler puts them). A faster but bimodal count loses to a
steady one. With no steady candidate (a noisy machine), the same rule over the fewest
threads and the counts whose spread is within ``TIGHT`` times the tightest one's (a count
that only looks faster because its processes scatter more does not win), with fewer threads
winning unless more are faster by more than the widest of those spreads (a difference
within the trial's own scatter is not one it resolved). The fewest threads always compete:
on this VM, with steal time, one 1-thread trial run low and one high gave 1 thread a 90 %
spread against 2 threads' 23 %, and leaving 1 thread out put the CNN on 2 threads, whose
invocations then split between 1.7 and 3.3 ms (CV 31 %, against 6 % at 1 thread).
Either way, a count whose slowest trial run beats the choice's fastest by
``PREFER_FEWER`` takes over: no process it ran was slower, so its scatter is not a slow
mode (the 0.1 ms MLP here: 2 threads 40 % faster, spread 13 %). Offline
with ``--concurrency auto`` sweeps threads itself, so auto leaves the choice to it.
The choice is made once per host and workload and kept (:mod:`bench.measure.thread_choice`).
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.device.affinity import usable_cpus
from bench.measure import assemble, thread_choice
from bench.measure.observe import RUN_FAILURES, Observation, observe
from bench.measure.plan import Job, with_settings
from bench.measure.progress import Progress
from bench.measure.protocol import feeds_file, job_to_wire
from bench.measure.workers import run_worker
from bench.measure.workload import process_job
from bench.result.processes import ThreadsCandidate, ThreadsTrial
from bench.result.repeats import field_value
from bench.stats.processes import stability
from bench.zoo.inputs import generate_inputs

TRIAL_PROCESSES = 5
MIN_ROUNDS = 2
TRIAL_S = 0.3  # measured seconds of one trial run (at most; a tenth of the run when shorter)
STEADY_SPREAD = 0.10
PREFER_FEWER = 0.10
TIGHT = 1.5  # with no steady count: spreads within this factor of the tightest compete
CHOICE = (f"steady = no instability and a spread within {STEADY_SPREAD:.0%}; the fastest "
          f"steady count, fewer threads unless more are {PREFER_FEWER:.0%} faster; no "
          f"steady count: the same rule over the fewest threads and the counts whose "
          f"spread is within {TIGHT:g}x the tightest, fewer threads unless more are faster "
          "by the widest spread; a count whose slowest run beats the choice's fastest by "
          f"{PREFER_FEWER:.0%} takes over")


def candidates(cpus: int, cap: int | None = None) -> list[int]:
    """1, 2, 4, ... <= cpus, plus cpus itself; none above ``cap``."""
    found, t = [], 1
    while t <= cpus:
        found.append(t)
        t *= 2
    if cpus not in found:
        found.append(cpus)
    return [t for t in found if cap is None or t <= cap] or [1]


def _candidate(threads: int, values: Sequence[float], failed: int) -> ThreadsCandidate:
    if len(values) < 2:
        return ThreadsCandidate(threads=threads, values=list(values), failed=failed,
                                median=statistics.median(values) if values else None)
    spread = max(values) / min(values) - 1
    steady = bool(stability(values).stable) and spread <= STEADY_SPREAD and not failed
    return ThreadsCandidate(threads=threads, values=list(values), failed=failed,
                            median=statistics.median(values), spread=spread, stable=steady)


def _speed(value: float, higher_is_better: bool) -> float:
    """``value`` as a speed, larger is faster (0 for no value)."""
    return value if higher_is_better else (1 / value if value else 0.0)


def choose(found: Sequence[ThreadsCandidate], higher_is_better: bool) -> tuple[int, str]:
    """The thread count to use and why (see the module docstring)."""
    pick, why = _by_spread(found, higher_is_better)

    def speeds(c: ThreadsCandidate) -> list[float]:
        return [_speed(v, higher_is_better) for v in c.values if v > 0]

    if not speeds(pick):
        return pick.threads, why
    best = max(speeds(pick))
    beat = [c for c in found if c is not pick and len(c.values) >= 2 and not c.failed
            and min(speeds(c)) >= best * (1 + PREFER_FEWER)]
    if not beat:
        return pick.threads, why
    over = max(beat, key=lambda c: statistics.median(speeds(c)))
    return over.threads, (
        f"{over.threads} threads: even its slowest trial run was "
        f"{min(speeds(over)) / best - 1:.0%} faster than the fastest at {pick.threads} "
        f"threads (which alone would have won: {why})")


def _by_spread(found: Sequence[ThreadsCandidate],
               higher_is_better: bool) -> tuple[ThreadsCandidate, str]:
    """The choice by steadiness and median speed, before a take-over."""
    def speed(c: ThreadsCandidate) -> float:
        return _speed(c.median or 0.0, higher_is_better)

    def fastest_fewest(pool: Sequence[ThreadsCandidate],
                       margin: float = PREFER_FEWER) -> tuple[ThreadsCandidate, bool]:
        fastest = max(pool, key=speed)
        close = [c for c in pool if speed(c) * (1 + margin) >= speed(fastest)]
        pick = min(close, key=lambda c: c.threads)
        return pick, pick is not fastest

    steady = [c for c in found if c.stable]
    if steady:
        pick, fewer = fastest_fewest(steady)
        others = [c.threads for c in found if not c.stable]
        why = (f"{pick.threads} threads: steady over {len(pick.values)} trial runs "
               f"(spread {pick.spread:.1%})")
        if fewer:
            why += f", within {PREFER_FEWER:.0%} of the fastest steady count"
        if others:
            why += f"; not steady: {', '.join(map(str, others))} threads"
        return pick, why
    measured = [c for c in found if c.median is not None]
    if not measured:
        return found[0], "no trial run measured; the fewest threads"
    spreads = [c.spread for c in measured if c.spread is not None]
    fewest = min(measured, key=lambda c: c.threads)
    # the fewest threads always compete: the bound keeps a scattering count from winning,
    # it must not hand the choice to another by leaving the fewest out
    tight = [c for c in measured if c is fewest or not spreads or c.spread is None
             or c.spread <= TIGHT * min(spreads)]
    # a difference within the trial's own scatter is not resolved by it: fewer threads
    # unless more are faster by more than the widest spread that competes
    margin = max([PREFER_FEWER, *(c.spread for c in tight if c.spread is not None)])
    pick, _ = fastest_fewest(tight, margin)
    why = (f"{pick.threads} threads: no count was steady (a noisy machine: see edgebench "
           f"doctor); among the fewest threads and the counts whose spread is within "
           f"{TIGHT:g}x the tightest, the fastest median, fewer threads unless more are "
           f"faster by more than the widest of their spreads ({margin:.0%})")
    scattered = [f"{c.threads} ({c.spread:.0%})" for c in measured if c not in tight]
    if scattered:
        why += f"; spread too wide: {', '.join(scattered)} threads"
    return pick, why


def _value(job: Job, observed: Observation) -> float | None:
    result = assemble.measured(job, observed, with_roofline=False)
    return field_value(result, job.scenario.headline_field)


def trial_job(job: Job, threads: int, trial_s: float) -> Job:
    """``job`` as one short measured process at ``threads`` (no passes beside it)."""
    settings = with_settings(job.settings, {
        "threads": threads, "repeats": 1, "duration_s": trial_s, "min_queries": 32,
        "max_duration_s": trial_s * 10, "ci_target": None, "check_outputs": False,
        "profile_ops": False, "reference": None, "loadgen": "native"})
    config = job.execution.config if job.execution is not None else None
    execution = None if job.execution is None else dataclasses.replace(
        job.execution, config=dataclasses.replace(config, intra_op=threads))
    return dataclasses.replace(job, settings=settings, execution=execution)


def _one(trial: Job, feeds_file: Path, feeds: dict[str, np.ndarray], fresh: bool,
         index: int) -> float | None:
    if fresh:
        outcome = run_worker(job_to_wire(process_job(trial), feeds_file, None, index))
        return None if outcome.observation is None else _value(trial, outcome.observation)
    try:
        observed, _ = observe(process_job(trial), feeds, lambda _e, _q: None)
    except RUN_FAILURES:
        return None
    return _value(trial, observed)


def run_trial(job: Job, counts: Sequence[int], trial_s: float, fresh: bool,
              rounds: int = TRIAL_PROCESSES) -> ThreadsTrial:
    """Measure every count in ``rounds`` rotating rounds and choose."""
    values: dict[int, list[float]] = {t: [] for t in counts}
    failed = dict.fromkeys(counts, 0)
    feeds = generate_inputs(job.inputs, job.settings.seed)
    with feeds_file(feeds, "edgebench-trial-") as path:
        done = 0
        for round_ in range(rounds):
            if done >= MIN_ROUNDS and rounds == TRIAL_PROCESSES:
                found = [_candidate(t, values[t], failed[t]) for t in counts]
                if choose(found, job.scenario.higher_is_better)[0] == min(counts):
                    break  # the fewest threads: another round cannot make it safer
            shift = round_ % len(counts)
            for threads in list(counts[shift:]) + list(counts[:shift]):
                value = _one(trial_job(job, threads, trial_s), path, feeds, fresh, round_)
                if value is None or not value > 0:
                    failed[threads] += 1
                else:
                    values[threads].append(value)
            done += 1
    found = [_candidate(t, values[t], failed[t]) for t in counts]
    chosen, reason = choose(found, job.scenario.higher_is_better)
    where = "fresh worker processes" if fresh else "fresh sessions in this process"
    return ThreadsTrial(chosen=chosen, reason=reason, processes_per_candidate=done,
                        duration_s=trial_s, candidates=found,
                        method=f"short runs in {where}, rotating order; {CHOICE}")


def resolve_threads(job: Job, progress: Progress | None = None) -> Job:
    """``job`` with ``threads: auto`` replaced by the trial's choice (and the trial
    recorded); any other job as it is."""
    settings = job.settings
    if settings.threads != "auto":
        return job
    if settings.scenario == "offline" and settings.concurrency == "auto":
        return dataclasses.replace(job, settings=with_settings(settings, {"threads": None}))
    cap = job.emulation.threads if job.emulation is not None else None
    counts = candidates(usable_cpus(), cap)
    trial_s = min(TRIAL_S, settings.duration_s / 10)
    if len(counts) == 1:
        trial = ThreadsTrial(chosen=counts[0], reason="one CPU to run on", duration_s=0.0,
                             processes_per_candidate=0, candidates=[], method="no trial")
    elif (trial := thread_choice.kept(job, counts)) is None:
        trial = run_trial(job, counts, trial_s, fresh=(settings.repeats or 1) > 1)
        thread_choice.keep(job, counts, trial)
    chosen = trial_job(job, trial.chosen, trial_s)
    return dataclasses.replace(
        job, settings=with_settings(settings, {"threads": trial.chosen}),
        execution=chosen.execution, threads_trial=trial)
