"""Server (MLPerf): queries arrive as a Poisson process at ``target_qps`` (exponential
inter-arrival times from a generator seeded with ``seed``); a query's latency runs from its
scheduled arrival to its completion, so time spent queued behind a busy device counts.
Headline: the 99th percentile; the result is invalid when it exceeds ``latency_bound_ms``.

With ``concurrency`` 1 the issuing thread runs each query itself once it is due; with more,
it hands due queries to that many worker threads through a queue. Nobody spins: the issuer
sleeps until the next arrival (``Event.wait``), workers block on the queue.

``find_max_qps`` bisects the arrival rate: it starts from the rate one worker sustains at
the warm-up latency, runs short trials (a tenth of the min duration, at least 1 s) and
keeps the highest rate whose p99 stays within the bound; the full run then uses it. The
report lists every trial (``ServerFigures.search``).
"""

from __future__ import annotations

import gc
import math
import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from time import perf_counter_ns
from typing import TYPE_CHECKING

import numpy as np

from bench.measure.scenarios.base import (
    Measurement,
    RunFn,
    Scenario,
    Stopper,
    Target,
    Tick,
    expected_queries,
    limits,
    warm_up,
)
from bench.measure.scenarios.rate_search import search_rate
from bench.measure.scenarios.registry import register
from bench.result.figures import QpsTrial, ServerFigures
from bench.stats.arrivals import poisson_arrivals_ns
from bench.stats.summary import nearest_rank

if TYPE_CHECKING:
    from bench.result.models import RunResult
    from bench.spec import RunSettings

_CHUNK = 4096  # arrivals generated at a time (before they are due, outside timed calls)
SEARCH_STEPS = 7


def _arrivals(rate: float, seed: int, start_ns: int) -> Iterator[int]:
    rng = np.random.default_rng(seed)
    offset = start_ns
    while True:
        chunk = poisson_arrivals_ns(rate, _CHUNK, rng, offset)
        offset = int(chunk[-1])
        yield from chunk.tolist()


def measure_server(infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
                   rate: float, tick: Tick | None = None, warmup: tuple[int, ...] = (),
                   search: Sequence[QpsTrial] = ()) -> Measurement:
    concurrency = int(settings.concurrency) if settings.concurrency != "auto" else 1
    capacity = expected_queries(settings, int(1e9 / rate))
    latency = np.zeros(capacity, dtype=np.int64)
    ends = np.zeros(capacity, dtype=np.int64)
    done = [0]
    lock = threading.Lock()
    sleeper = threading.Event()  # never set: wait(timeout) is an interruptible sleep
    jobs: queue.Queue[int | None] = queue.Queue()

    def record(arrival: int, end: int) -> None:
        nonlocal latency, ends
        with lock:
            i = done[0]
            if i == len(latency):
                latency = np.concatenate([latency, np.zeros_like(latency)])
                ends = np.concatenate([ends, np.zeros_like(ends)])
            latency[i] = end - arrival
            ends[i] = end
            done[0] = i + 1

    def worker() -> None:
        while (arrival := jobs.get()) is not None:
            infer(None, feeds)
            record(arrival, perf_counter_ns())

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    if concurrency > 1:
        for t in threads:
            t.start()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = perf_counter_ns()
        stopper = Stopper(settings, start, 99.0, tick)
        issued = 0
        for arrival in _arrivals(rate, settings.seed, start):
            now = perf_counter_ns()
            ended_by = stopper.check(now, done[0], lambda: latency)
            if ended_by is not None:
                break
            if arrival > now:
                sleeper.wait((arrival - now) / 1e9)
            if concurrency == 1:
                infer(None, feeds)
                record(arrival, perf_counter_ns())
            else:
                jobs.put(arrival)
            issued += 1
        for _ in threads:
            jobs.put(None)
        if concurrency > 1:
            for t in threads:
                t.join()
    finally:
        if gc_was_enabled:
            gc.enable()
    count = done[0]
    order = np.argsort(ends[:count], kind="stable")
    lat, end_times = latency[:count][order], ends[:count][order]
    duration = int(end_times[-1]) - start if count else 1
    p99 = nearest_rank(np.sort(lat), 99) / 1e6 if count else math.inf
    return Measurement(
        samples_ns=tuple(lat.tolist()), warmup_samples_ns=warmup, duration_ns=duration,
        ended_by=ended_by, ends_ns=tuple((end_times - start).tolist()), headline_percentile=99.0,
        ci=stopper.final_ci(lat, count),
        figures=ServerFigures(target_qps=rate, achieved_qps=count / (duration / 1e9),
                              p99_ms=p99, latency_bound_ms=settings.latency_bound_ms,
                              concurrency=concurrency, search=list(search), issued=issued))


def find_max_qps(infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
                 warmup: tuple[int, ...]) -> tuple[float, list[QpsTrial]]:
    """Bisect the arrival rate for the highest whose p99 is within the bound."""
    bound = settings.latency_bound_ms or math.inf
    trial_s = max(1.0, limits(settings)[0] / 10)
    trial = settings.model_copy(update={
        "duration_s": trial_s, "max_duration_s": trial_s * 3, "min_queries": 1,
        "ci_target": None, "sustained_s": None})
    workers = int(settings.concurrency) if settings.concurrency != "auto" else 1
    typical = float(np.median(warmup)) if warmup else 1e6

    def one(_: int, rate: float) -> tuple[QpsTrial, bool]:
        m = measure_server(infer, feeds, trial, rate)
        p99 = m.figures.p99_ms if isinstance(m.figures, ServerFigures) else math.inf
        return QpsTrial(target_qps=rate, p99_ms=p99, valid=p99 <= bound), p99 <= bound

    return search_rate(1.2 * workers * 1e9 / max(typical, 1_000), SEARCH_STEPS, one)


@register("server")
class Server(Scenario):
    headline = "p99 latency at the target QPS"
    percentile = 99.0
    headline_field = "latency_ms.p99"
    back_to_back = False  # queries arrive on a schedule, queue and overlap
    uses = ("concurrency", "target_qps", "find_max_qps", "latency_bound_ms")
    loadgen = "Server"
    result_field = "server"

    def check_settings(self, settings: RunSettings) -> None:
        if settings.concurrency == "auto":
            raise ValueError("--concurrency auto only applies to --scenario offline")
        if settings.target_qps is None and not settings.find_max_qps:
            raise ValueError("--scenario server needs --target-qps QPS or --find-max-qps")
        if settings.find_max_qps and settings.latency_bound_ms is None:
            raise ValueError("--find-max-qps needs --latency-bound-ms (the bound to keep)")

    def run(self, infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
            tick: Tick | None = None, target: Target | None = None) -> Measurement:
        warmup = warm_up(lambda: infer(None, feeds), settings.warmup)
        if not settings.find_max_qps:
            rate = float(settings.target_qps or 0.0)  # check_settings requires it here
            return measure_server(infer, feeds, settings, rate, tick, warmup)
        rate, search = find_max_qps(infer, feeds, settings, warmup)
        return measure_server(infer, feeds, settings, rate, tick, warmup, search=search)

    def validity(self, settings: RunSettings, measured: Measurement) -> list[str]:
        s = measured.figures
        if not isinstance(s, ServerFigures) or s.within_bound is not False:
            return []
        return [f"server p99 {s.p99_ms:.3f} ms exceeds the latency bound "
                f"{s.latency_bound_ms:g} ms at {s.target_qps:.1f} QPS"]

    def section(self, result: RunResult) -> list[str]:
        s = result.server
        if s is None:
            return []
        bound = f", bound {s.latency_bound_ms:g} ms" if s.latency_bound_ms else ""
        lines = [f"target {s.target_qps:.1f} QPS, achieved {s.achieved_qps:.1f} QPS, "
                 f"p99 {s.p99_ms:.3f} ms{bound}"]
        if s.search:
            lines.append("QPS search: " + ", ".join(
                f"{t.target_qps:.0f} ({'ok' if t.valid else 'over'})" for t in s.search))
        return lines
