"""The serving loop of ``--scenario llm-server``: ``concurrency`` generator threads on one
session, each with its own KV state, take requests from a queue; the calling thread issues
them, either at Poisson arrival times (open loop, ``rate``) or one for each completed
request (closed loop, ``rate`` None: ``concurrency`` requests always in flight). Requests are
not batched together: each generator runs batch-1 steps of its own.

Nobody spins: the issuer sleeps until the next arrival (``Event.wait``) or blocks on the
completion queue; generators block on the request queue. The run ends by the shared rule
(``Stopper``: min duration and min queries, counted in requests); requests already issued
are then served to the end, unless the hard limit (``max_duration``) passes first: those
not yet started are abandoned, counted, and make the result invalid.
"""

from __future__ import annotations

import gc
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from time import perf_counter_ns
from typing import TYPE_CHECKING

import numpy as np

from bench.measure.scenarios.base import Stopper, Tick
from bench.measure.scenarios.llm_generate import Generator
from bench.measure.scenarios.llm_load import LengthSpec, Request, arrivals, requests
from bench.stats.intervals import PercentileCI
from bench.stats.serving import RequestTimes

if TYPE_CHECKING:
    from bench.spec import RunSettings


HALTED = "a generator failed"


@dataclass(frozen=True)
class Load:
    prompt: LengthSpec
    output: LengthSpec
    seed: int


@dataclass(frozen=True)
class Served:
    """What one serving run observed (times in ns since the run's start)."""

    requests: tuple[RequestTimes, ...]  # in completion order
    issued: int
    abandoned: int
    duration_ns: int  # start to the last completion
    offered_rate: float | None  # issued / (last arrival - start), open loop only
    ended_by: str
    ci: PercentileCI | None

    @property
    def ends_ns(self) -> tuple[int, ...]:
        return tuple(r.tokens_ns[-1] for r in self.requests)

    @property
    def e2e_ns(self) -> tuple[int, ...]:
        return tuple(r.tokens_ns[-1] - r.arrival_ns for r in self.requests)


def warm_up(gen: Generator, load: Load, count: int) -> tuple[int, ...]:
    """``count`` requests one after another (lengths of the seed's first requests); their
    end-to-end latencies are reported apart."""
    out = []
    for req in islice(requests(load.prompt, load.output, load.seed), count):
        times = np.zeros(req.output_tokens, dtype=np.int64)
        t0 = perf_counter_ns()
        gen.generate(gen.prompt(req.prompt_tokens, req.index), req.output_tokens, times)
        out.append(int(times[-1]) - t0)
    return tuple(out)


def serve(gen: Generator, load: Load, settings: RunSettings, rate: float | None,
          concurrency: int, tick: Tick | None = None) -> Served:
    """Serve requests until the run ends; see the module docstring."""
    jobs: queue.Queue[tuple[Request, int] | None] = queue.Queue()
    completions: queue.Queue[int] = queue.Queue()
    served: list[RequestTimes] = []
    abandon = threading.Event()
    abandoned = [0]
    failed: list[BaseException] = []  # a generator's error, raised again by the caller
    lock = threading.Lock()

    def worker() -> None:
        while (job := jobs.get()) is not None:
            req, arrival = job
            if abandon.is_set():
                with lock:
                    abandoned[0] += 1
                continue
            times = np.zeros(req.output_tokens, dtype=np.int64)
            try:
                gen.generate(gen.prompt(req.prompt_tokens, req.index), req.output_tokens,
                             times)
            except BaseException as exc:  # noqa: BLE001  (onnxruntime's, raised below)
                failed.append(exc)
                abandon.set()
            else:
                served.append(RequestTimes(arrival, tuple(times.tolist()), req.prompt_tokens))
            completions.put(1)

    def e2e() -> np.ndarray:
        return np.array([r.tokens_ns[-1] - r.arrival_ns for r in list(served)],
                        dtype=np.int64)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    source = requests(load.prompt, load.output, load.seed)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = perf_counter_ns()
        stopper = Stopper(settings, start, 99.0, tick)
        if rate is None:
            issued, last_arrival, ended_by = _closed(jobs, completions, source, stopper,
                                                     concurrency, abandon, lambda: len(served),
                                                     e2e)
        else:
            issued, last_arrival, ended_by = _open(jobs, source, arrivals(rate, load.seed, start),
                                                   stopper, abandon, lambda: len(served), e2e)
        for _ in threads:
            jobs.put(None)
        for t in threads:
            t.join(max(0.0, (stopper.hard_end - perf_counter_ns()) / 1e9))
        if any(t.is_alive() for t in threads):
            abandon.set()  # past the hard limit: requests not yet started are dropped
            for t in threads:
                t.join()
    finally:
        if gc_was_enabled:
            gc.enable()
    if failed:
        raise failed[0]
    done = sorted(served, key=lambda r: r.tokens_ns[-1])
    rebased = tuple(RequestTimes(r.arrival_ns - start, tuple(x - start for x in r.tokens_ns),
                                 r.prompt_tokens) for r in done)
    duration = rebased[-1].tokens_ns[-1] if rebased else max(perf_counter_ns() - start, 1)
    offered = (issued / ((last_arrival - start) / 1e9)
               if rate is not None and last_arrival > start else None)
    values = e2e()
    return Served(requests=rebased, issued=issued, abandoned=abandoned[0],
                  duration_ns=duration, offered_rate=offered, ended_by=ended_by,
                  ci=stopper.final_ci(values, len(values)))


def _open(jobs: queue.Queue[tuple[Request, int] | None], source: Iterator[Request],
          schedule: Iterator[int], stopper: Stopper, halt: threading.Event,
          count: Callable[[], int], samples: Callable[[], np.ndarray]) -> tuple[int, int, str]:
    """Issue each request at its Poisson arrival time (until ``halt``: a generator failed,
    and is set, so the sleep ends at once)."""
    issued, last = 0, stopper.start
    for req, arrival in zip(source, schedule):
        now = perf_counter_ns()
        ended_by = HALTED if halt.is_set() else stopper.check(now, count(), samples)
        if ended_by is not None:
            return issued, last, ended_by
        if arrival > now:
            halt.wait((arrival - now) / 1e9)
        jobs.put((req, arrival))
        issued, last = issued + 1, arrival
    raise AssertionError("the schedule is endless")


def _closed(jobs: queue.Queue[tuple[Request, int] | None], completions: queue.Queue[int],
            source: Iterator[Request], stopper: Stopper, concurrency: int,
            halt: threading.Event, count: Callable[[], int],
            samples: Callable[[], np.ndarray]) -> tuple[int, int, str]:
    """Keep ``concurrency`` requests in flight: issue one for each that completes."""
    for _ in range(concurrency):
        jobs.put((next(source), perf_counter_ns()))
    issued = concurrency
    while True:
        try:
            completions.get(timeout=0.25)
            finished = True
        except queue.Empty:  # nothing completed: still check the time limits
            finished = False
        now = perf_counter_ns()
        ended_by = HALTED if halt.is_set() else stopper.check(now, count(), samples)
        if ended_by is not None:
            return issued, now, ended_by
        if finished:
            jobs.put((next(source), perf_counter_ns()))
            issued += 1
