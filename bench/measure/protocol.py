"""What travels between the parent and a worker process, as JSON: the job on the worker's
stdin (one line), and the worker's messages on its result pipe (one JSON line each):
``ready`` (the session is open, the measured run starts), ``tick`` (progress), then one of
``done`` (with the observation), ``failed`` (onnxruntime or the run failed: a failed
repeat), ``usage`` (bad input only a running scenario can see: exit 2) or ``bug`` (an
exception in edgebench's own code, with its traceback)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from bench.device.collectors.beside import BesideResult
from bench.device.session import SessionConfig
from bench.measure.decoding import DecoderLayout
from bench.measure.observe import Observation, ProcessJob
from bench.measure.scenarios import Measurement, get_scenario
from bench.result.figures import CpuUsage, LoadgenResult
from bench.result.llm import LlmMetrics
from bench.result.models import Energy, Memory, RunResult, Temperature
from bench.spec import RunSettings
from bench.spec.device import EnergyMeter
from bench.stats.intervals import PercentileCI


class Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WireConfig(Wire):
    providers: list[tuple[str, dict[str, str]]]
    intra_op: int | None
    inter_op: int | None
    graph_optimization: str
    cpu_arena: bool
    forbid_cpu_fallback: bool


class WireJob(Wire):
    model: str
    path: str
    settings: RunSettings
    config: WireConfig | None = None
    collectors: list[str] = Field(default_factory=list)
    meter: EnergyMeter | None = None
    input_dims: dict[str, list[int | str | None]] = Field(default_factory=dict)
    decoder: DecoderLayout | None = None
    feeds: str = Field(description="an .npz file of the seeded inputs")
    artifacts: str | None = None
    index: int = Field(1, description="which repeat (1-based)")


class WireCI(Wire):
    percentile: float
    n: int
    value: float
    low: float | None
    high: float | None
    batch_half_width: float | None


class WireMeasurement(Wire):
    samples_ns: list[int]
    warmup_samples_ns: list[int]
    duration_ns: int
    ended_by: str
    samples_per_query: int
    ends_ns: list[int]
    headline_percentile: float
    ci: WireCI | None
    figures: dict[str, object] | None
    loadgen: LoadgenResult | None
    llm: LlmMetrics | None = None


class WireObservation(Wire):
    providers: list[str]
    session_create_ns: int
    first_inference_ns: int
    measured: WireMeasurement
    energy: Energy | None
    temperature_c: dict[str, Temperature]
    gpu_peak_memory_bytes: int | None
    cpu: CpuUsage | None
    memory: Memory


class Reply(Wire):
    event: Literal["ready", "tick", "done", "failed", "usage", "bug"]
    pid: int
    elapsed_s: float | None = None
    queries: int | None = None
    observation: WireObservation | None = None
    error: str | None = None


@contextmanager
def feeds_file(feeds: Mapping[str, np.ndarray], prefix: str) -> Iterator[Path]:
    """The seeded inputs as the ``.npz`` file workers read (``WireJob.feeds``), in a
    temporary folder named with ``prefix`` that is removed after the block."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        path = Path(folder) / "feeds.npz"
        with open(path, "wb") as handle:
            np.savez(handle, **feeds)
        yield path


def job_to_wire(job: ProcessJob, feeds: Path, artifacts: Path | None, index: int) -> WireJob:
    c = job.config
    config = None if c is None else WireConfig(
        providers=[(name, dict(options)) for name, options in c.providers],
        intra_op=c.intra_op, inter_op=c.inter_op, graph_optimization=c.graph_optimization,
        cpu_arena=c.cpu_arena, forbid_cpu_fallback=c.forbid_cpu_fallback)
    return WireJob(model=job.model, path=str(job.path), settings=job.settings, config=config,
                   collectors=list(job.collectors), meter=job.meter,
                   input_dims={k: list(v) for k, v in (job.input_dims or {}).items()},
                   decoder=job.decoder, feeds=str(feeds),
                   artifacts=None if artifacts is None else str(artifacts), index=index)


def job_from_wire(w: WireJob) -> ProcessJob:
    c = w.config
    config = None if c is None else SessionConfig(
        providers=tuple((name, options) for name, options in c.providers),
        intra_op=c.intra_op, inter_op=c.inter_op, graph_optimization=c.graph_optimization,
        cpu_arena=c.cpu_arena, forbid_cpu_fallback=c.forbid_cpu_fallback)
    return ProcessJob(model=w.model, path=Path(w.path), settings=w.settings, config=config,
                      collectors=tuple(w.collectors), meter=w.meter,
                      input_dims={k: tuple(v) for k, v in w.input_dims.items()},
                      decoder=w.decoder)


def observation_to_wire(o: Observation) -> WireObservation:
    m, ci = o.measured, o.measured.ci
    return WireObservation(
        providers=list(o.providers), session_create_ns=o.session_create_ns,
        first_inference_ns=o.first_inference_ns,
        measured=WireMeasurement(
            samples_ns=list(m.samples_ns), warmup_samples_ns=list(m.warmup_samples_ns),
            duration_ns=m.duration_ns, ended_by=m.ended_by,
            samples_per_query=m.samples_per_query, ends_ns=list(m.ends_ns),
            headline_percentile=m.headline_percentile,
            ci=None if ci is None else WireCI(
                percentile=ci.percentile, n=ci.n, value=ci.value, low=ci.low, high=ci.high,
                batch_half_width=ci.batch_half_width),
            figures=None if m.figures is None else m.figures.model_dump(mode="json"),
            loadgen=m.loadgen, llm=m.llm),
        energy=o.beside.energy, temperature_c=dict(o.beside.temperature_c),
        gpu_peak_memory_bytes=o.beside.gpu_peak_memory_bytes, cpu=o.cpu, memory=o.memory)


def observation_from_wire(w: WireObservation, scenario: str) -> Observation:
    """The observation a worker sent; its figures are read back as the scenario's own
    typed record (the type of the scenario's RunResult field)."""
    m = w.measured
    figures = None
    if m.figures is not None:
        field = RunResult.model_fields[get_scenario(scenario).result_field]
        figures = TypeAdapter(field.annotation).validate_python(m.figures)
    ci = None if m.ci is None else PercentileCI(
        m.ci.percentile, m.ci.n, m.ci.value, m.ci.low, m.ci.high, m.ci.batch_half_width)
    measured = Measurement(
        samples_ns=tuple(m.samples_ns), warmup_samples_ns=tuple(m.warmup_samples_ns),
        duration_ns=m.duration_ns, ended_by=m.ended_by, samples_per_query=m.samples_per_query,
        ends_ns=tuple(m.ends_ns), headline_percentile=m.headline_percentile, ci=ci,
        figures=figures, loadgen=m.loadgen, llm=m.llm)
    return Observation(
        providers=tuple(w.providers), session_create_ns=w.session_create_ns,
        first_inference_ns=w.first_inference_ns, measured=measured,
        beside=BesideResult(w.energy, dict(w.temperature_c), w.gpu_peak_memory_bytes),
        cpu=w.cpu, memory=w.memory)
