"""One process's measured run: open the session, time the first inference, start the
collectors, let the scenario (or MLPerf LoadGen) drive the session, stop the collectors.

The same code measures in this process (``--repeats 1``) and in every fresh worker process
(``bench.measure.worker``), so the two cannot drift apart. It imports neither the model zoo
nor ONNX (a worker starts in well under a second): everything it needs comes in a
:class:`ProcessJob` of plain values, the inputs already generated.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter_ns

import numpy as np

from bench.device import session
from bench.device.collectors.beside import Beside, BesideResult
from bench.device.collectors.cpu import CpuCollector
from bench.device.collectors.memory import MemoryCollector
from bench.errors import RunError
from bench.measure import loadgen
from bench.measure.decoding import DecoderLayout
from bench.measure.scenarios import Measurement, Target, get_scenario
from bench.measure.scenarios.base import RunFn, Tick
from bench.result.figures import CpuUsage
from bench.result.models import Memory
from bench.spec import RunSettings
from bench.spec.device import EnergyMeter

# A failure of the run itself, not of edgebench's code: recorded as a failed result.
RUN_FAILURES: tuple[type[BaseException], ...] = (*session.RUNTIME_ERRORS, RunError,
                                                 MemoryError)


def slug(text: str) -> str:
    """A file-name-safe form of a label (model and scenario)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text)


@dataclass(frozen=True)
class ProcessJob:
    """What one process needs to measure a workload, as plain values."""

    model: str
    path: Path
    settings: RunSettings  # threads resolved (never 'auto'); this process's run length
    config: session.SessionConfig | None = None  # None: a plain session at settings.threads
    collectors: tuple[str, ...] = ()
    meter: EnergyMeter | None = None
    input_dims: Mapping[str, tuple[int | str | None, ...]] | None = None
    decoder: DecoderLayout | None = None  # a decoder scenario's I/O convention (planned)


@dataclass(frozen=True)
class Observation:
    """What one process's measured run observed, before it is judged."""

    providers: tuple[str, ...]
    session_create_ns: int
    first_inference_ns: int
    measured: Measurement
    beside: BesideResult
    cpu: CpuUsage | None
    memory: Memory


def open_for(job: ProcessJob) -> session.OpenedSession:
    threads = job.settings.threads
    if job.config is not None:
        return session.open_configured(job.path, job.config)
    return session.open_session(job.path, threads if isinstance(threads, int) else None)


def target(job: ProcessJob, opened: session.OpenedSession) -> Target:
    """What the scenario may drive besides the session's ``run``: more sessions (the
    offline sweep opens one per thread count), the input dims and output names."""
    def open_run(threads: int | None) -> RunFn:
        return session.open_session(job.path, threads, opened.providers).session.run
    return Target(open=open_run, input_dims=dict(job.input_dims or {}),
                  output_names=session.output_names(opened.session), model=job.model,
                  path=job.path, decoder=job.decoder)


def drive(job: ProcessJob, infer: RunFn, feeds: Mapping[str, np.ndarray], tick: Tick,
          target_: Target, artifacts: Path | None) -> Measurement:
    """The measured run: the scenario's own loop, or MLPerf LoadGen driving the session."""
    settings = job.settings
    if settings.loadgen == "mlperf":
        folder = None if artifacts is None else (
            artifacts / "loadgen" / slug(f"{job.model}-{settings.scenario}"))
        return loadgen.run_loadgen(infer, feeds, settings, folder, tick)
    return get_scenario(settings.scenario).run(infer, feeds, settings, tick, target=target_)


def observe(job: ProcessJob, feeds: Mapping[str, np.ndarray], tick: Tick,
            artifacts: Path | None = None) -> tuple[Observation, session.OpenedSession]:
    """Measure once in this process; the session stays open for the passes after it.
    Raises what the run raised (the collectors' threads are stopped first)."""
    beside = Beside(job.collectors, job.meter)
    memory, cpu = MemoryCollector(), CpuCollector()
    memory.start()
    cpu.start()
    try:
        rss_before = memory.rss()
        opened = open_for(job)
        rss_loaded = memory.rss()
        t0 = perf_counter_ns()
        opened.session.run(None, feeds)
        first_ns = perf_counter_ns() - t0
        beside.start()
        measured = drive(job, opened.session.run, feeds, tick, target(job, opened),
                         artifacts)
        inferences = (len(measured.samples_ns) + len(measured.warmup_samples_ns)) \
            * measured.samples_per_query
        extra = beside.stop(inferences)
        usage = cpu.stop()
        peak = memory.stop()
    except BaseException:
        with contextlib.suppress(Exception):  # stop the samplers' threads, keep the error
            memory.stop()
            cpu.stop()
            beside.stop(0)
        raise
    observed = Observation(
        providers=opened.providers, session_create_ns=opened.create_ns,
        first_inference_ns=first_ns, measured=measured, beside=extra, cpu=usage,
        memory=Memory(peak_rss_bytes=peak, peak_rss_method=memory.method,
                      model_load_rss_delta_bytes=rss_loaded - rss_before))
    return observed, opened
