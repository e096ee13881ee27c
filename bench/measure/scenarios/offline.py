"""Offline (MLPerf): every sample is available at once; the harness keeps ``concurrency``
requests of ``batch`` samples in flight (one worker thread each, sharing one session;
onnxruntime's ``run`` is thread-safe and releases the GIL) until the run ends.
Headline: samples/s. Each request's latency is recorded too; early stopping uses the CI of
its median (throughput is batch x concurrency over the mean request time, so a stable
median is a stable throughput).

``concurrency='auto'`` sweeps intra-op threads x concurrency with short trials: threads in
1, 2, 4, ... up to the core count; for each, concurrency 1, 2, 4, ... while the product
stays within twice the core count and throughput still grows. The best pair gets the full
run; the report lists every trial (``OfflineFigures.sweep``). The grid is sized by the
CPUs this process may use (its affinity, so ``--emulate``'s cores count) and capped by the
emulated thread limit.

Workers never spin: each blocks in ``run()``; the main thread blocks on an event with a
timeout to check the end of the run.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Mapping, Sequence
from time import perf_counter_ns
from typing import TYPE_CHECKING

import numpy as np

from bench.device.affinity import usable_cpus
from bench.errors import InputError, RunError
from bench.measure.scenarios.base import (
    CHECK_NS,
    Measurement,
    RunFn,
    Scenario,
    Stopper,
    Target,
    Tick,
    limits,
    warm_up,
)
from bench.measure.scenarios.registry import register
from bench.result.figures import OfflineFigures, SweepPoint

if TYPE_CHECKING:
    from bench.result.models import RunResult
    from bench.spec import RunSettings
    from bench.zoo.graph import GraphInput

TRIAL_S = 0.5  # length of one sweep trial (at least; and a tenth of the min duration)


class _Worker(threading.Thread):
    def __init__(self, infer: RunFn, feeds: Mapping[str, np.ndarray], stop: threading.Event,
                 capacity: int) -> None:
        super().__init__(daemon=True, name="edgebench-offline")
        self.infer, self.feeds, self.stop = infer, feeds, stop
        self.latency = np.zeros(capacity, dtype=np.int64)
        self.ends = np.zeros(capacity, dtype=np.int64)
        self.count = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                t0 = perf_counter_ns()
                self.infer(None, self.feeds)
                t1 = perf_counter_ns()
                if self.count == len(self.latency):
                    self.latency = np.concatenate([self.latency, np.zeros_like(self.latency)])
                    self.ends = np.concatenate([self.ends, np.zeros_like(self.ends)])
                self.latency[self.count] = t1 - t0
                self.ends[self.count] = t1
                self.count += 1
        except BaseException as exc:  # re-raised in the main thread
            self.error = exc
            self.stop.set()


def measure_offline(infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
                    concurrency: int, tick: Tick | None = None, threads: int | None = None,
                    sweep: Sequence[SweepPoint] = ()) -> Measurement:
    """Warm up, then keep ``concurrency`` requests in flight until the stopper says so."""
    warmup = warm_up(lambda: infer(None, feeds), settings.warmup)
    min_s, _, _ = limits(settings)
    typical = max(min(warmup) if warmup else 1_000_000, 1_000)
    capacity = int(min_s * 1e9 / typical * 1.25) + 64
    stop = threading.Event()
    workers = [_Worker(infer, feeds, stop, capacity) for _ in range(concurrency)]
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = perf_counter_ns()
        stopper = Stopper(settings, start, 50.0, tick)
        for w in workers:
            w.start()
        while True:
            stop.wait(CHECK_NS / 1e9 / 5)
            now = perf_counter_ns()
            count = sum(w.count for w in workers)
            # CI over what has been recorded so far (a snapshot; workers keep going)
            def snapshot() -> np.ndarray:
                return np.concatenate([w.latency[:w.count] for w in workers])
            ended_by = stopper.check(now, count, snapshot) if not stop.is_set() else "failed"
            if ended_by is not None:
                break
        stop.set()
        for w in workers:
            w.join()
    finally:
        if gc_was_enabled:
            gc.enable()
    for w in workers:
        if w.error is not None:
            raise w.error
    latency = np.concatenate([w.latency[:w.count] for w in workers])
    ends = np.concatenate([w.ends[:w.count] for w in workers])
    order = np.argsort(ends, kind="stable")
    latency, ends = latency[order], ends[order]
    end = int(ends[-1]) if len(ends) else perf_counter_ns()
    return Measurement(
        samples_ns=tuple(latency.tolist()), warmup_samples_ns=warmup, duration_ns=end - start,
        ended_by=ended_by, samples_per_query=settings.batch,
        ends_ns=tuple((ends - start).tolist()), headline_percentile=50.0,
        ci=stopper.final_ci(latency, len(latency)),
        figures=OfflineFigures(concurrency=concurrency, batch=settings.batch, threads=threads,
                               sweep=list(sweep)))


def throughput(m: Measurement) -> float:
    return len(m.samples_ns) * m.samples_per_query / (m.duration_ns / 1e9) if m.duration_ns else 0.0


def sweep_grid(cores: int) -> list[tuple[int, list[int]]]:
    """Threads 1, 2, 4, ... <= cores, each with concurrency 1, 2, 4, ... <= 2*cores/threads."""
    grid = []
    threads = 1
    while threads <= cores:
        concurrencies = []
        c = 1
        while threads * c <= 2 * cores:
            concurrencies.append(c)
            c *= 2
        grid.append((threads, concurrencies))
        threads *= 2
    return grid


# Grid trials within this share of the best are finalists: each is measured again in
# CONFIRM_ROUNDS rounds (rotating which goes first), and the finalist with the highest median
# trial wins. One short trial each cannot tell configurations 10 % apart on a noisy machine.
CONFIRM_MARGIN = 0.10
CONFIRM_ROUNDS = 2
MAX_FINALISTS = 3


def sweep(target: Target, feeds: Mapping[str, np.ndarray], settings: RunSettings,
          cores: int, max_threads: int | None = None) -> tuple[int, int, list[SweepPoint]]:
    """Short trials over the grid, then confirmation rounds among the finalists; returns
    (best threads, best concurrency, every trial in the order run)."""
    trial_s = max(TRIAL_S, limits(settings)[0] / 10)
    trial = settings.model_copy(update={
        "duration_s": trial_s, "max_duration_s": trial_s * 4, "min_queries": 1,
        "ci_target": None, "sustained_s": None, "warmup": max(2, min(settings.warmup, 5))})
    trials: list[SweepPoint] = []
    sessions: dict[int, RunFn] = {}

    def measure(threads: int, c: int) -> float:
        if threads not in sessions:
            sessions[threads] = target.open(threads)
        rate = throughput(measure_offline(sessions[threads], feeds, trial, c))
        trials.append(SweepPoint(threads=threads, concurrency=c, samples_per_s=rate))
        return rate

    grid = [(t, cs) for t, cs in sweep_grid(cores) if max_threads is None or t <= max_threads]
    for threads, concurrencies in grid:
        last = 0.0
        for c in concurrencies:
            rate = measure(threads, c)
            if rate < last * 1.02:  # no longer growing: larger concurrencies won't help
                break
            last = rate
    ranked = sorted(trials, key=lambda t: -t.samples_per_s)
    top = ranked[0].samples_per_s
    finalists = [(t.threads, t.concurrency) for t in ranked
                 if t.samples_per_s >= (1 - CONFIRM_MARGIN) * top][:MAX_FINALISTS]
    if len(finalists) > 1:
        for r in range(CONFIRM_ROUNDS):
            shift = r % len(finalists)
            for threads, c in finalists[shift:] + finalists[:shift]:
                measure(threads, c)
    best = max(finalists, key=lambda f: float(np.median(
        [t.samples_per_s for t in trials if (t.threads, t.concurrency) == f])))
    return best[0], best[1], trials


def _dynamic_batch(inputs: Sequence[GraphInput]) -> list[str]:
    return [g.name for g in inputs if g.dims and not isinstance(g.dims[0], int)]


@register("offline")
class Offline(Scenario):
    headline = "samples/s"
    percentile = 50.0
    headline_field = "throughput_per_s"
    higher_is_better = True
    uses = ("concurrency", "batch")
    loadgen = "Offline"
    concurrent = True
    back_to_back = False
    result_field = "offline"

    def check_model(self, model: str, inputs: Sequence[GraphInput],
                    settings: RunSettings) -> None:
        if settings.batch > 1 and not _dynamic_batch(inputs):
            raise InputError(f"--batch {settings.batch}: model {model!r} has no input with a "
                             "dynamic first (batch) dimension")

    def batch(self, settings: RunSettings) -> int:
        return settings.batch

    def run(self, infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
            tick: Tick | None = None, target: Target | None = None) -> Measurement:
        if settings.concurrency != "auto":
            return measure_offline(infer, feeds, settings, int(settings.concurrency), tick)
        if target is None:
            raise RunError("offline --concurrency auto needs a target that can open sessions")
        threads, concurrency, trials = sweep(target, feeds, settings, usable_cpus(),
                                             settings.threads)
        return measure_offline(target.open(threads), feeds, settings, concurrency, tick,
                               threads=threads, sweep=trials)

    def section(self, result: RunResult) -> list[str]:
        o = result.offline
        if o is None:
            return []
        lines = [f"concurrency {o.concurrency}, batch {o.batch}"
                 + (f", threads {o.threads}" if o.threads else "")]
        if o.sweep:
            lines.append("sweep (threads x concurrency): " + ", ".join(
                f"{p.threads}x{p.concurrency}: {p.samples_per_s:.0f}/s" for p in o.sweep))
        return lines
