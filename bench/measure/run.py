"""Running planned workloads: session -> scenario -> RunResult -> Report.

Everything that can be wrong with the user's input is found while planning
(:mod:`bench.measure.plan`), before any model runs. While running, three kinds of failure
stay apart: a user error (an ``UsageError``, e.g. LoadGen's) propagates and the CLI exits 2;
a failure inside onnxruntime (its own exception classes, a ``RunError``, memory) becomes
that workload's failed result and the run goes on; anything else is a bug in edgebench and
propagates with its traceback.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from time import perf_counter_ns

import numpy as np

from bench._version import __version__
from bench.device import host, session
from bench.device.collectors.beside import Beside
from bench.device.collectors.cpu import CpuCollector
from bench.device.collectors.memory import MemoryCollector
from bench.device.emulation import emulated, emulation_for
from bench.device.execution import fallen_back_nodes, run_notes
from bench.errors import EdgebenchError, RunError
from bench.measure import assemble, loadgen
from bench.measure.conformance import Tolerance, tolerance_for
from bench.measure.genai_run import measure_genai
from bench.measure.passes import run_passes, slug
from bench.measure.plan import Job, plan
from bench.measure.progress import Progress, SilentProgress
from bench.measure.scenarios import Measurement, Target
from bench.measure.scenarios.base import RunFn, Tick
from bench.result.models import DeviceInfo, Harness, Memory, Report, RunResult
from bench.spec import RunSettings
from bench.spec.profiles import detect_profile, load_profile
from bench.zoo import ResolvedModel
from bench.zoo.inputs import generate_inputs

# A failure of the run itself, not of edgebench's code: recorded as a failed result.
RUN_FAILURES: tuple[type[BaseException], ...] = (*session.RUNTIME_ERRORS, RunError,
                                                 MemoryError)


def _tolerance(model: ResolvedModel, precision: str) -> Tolerance:
    """The output-check tolerance: the precision's default, with the manifest's bounds."""
    own = model.spec.tolerance.get(precision) if model.spec else None
    return tolerance_for(precision, own.max_rel if own else None,
                         own.min_cosine if own else None)


def target(job: Job, opened: session.OpenedSession) -> Target:
    """What the scenario may drive besides the session's ``run``: more sessions (the
    offline sweep opens one per thread count), the input dims and output names."""
    def open_run(threads: int | None) -> RunFn:
        return session.open_session(job.model.path, threads, opened.providers).session.run
    return Target(open=open_run, input_dims={g.name: g.dims for g in job.model.inputs},
                  output_names=session.output_names(opened.session), model=job.model.name,
                  path=job.model.path, decoder=job.decoder)


def drive(job: Job, infer: RunFn, feeds: Mapping[str, np.ndarray], tick: Tick,
          target_: Target, artifacts: Path | None) -> Measurement:
    """The measured run: the scenario's own loop, or MLPerf LoadGen driving the session."""
    settings = job.settings
    if settings.loadgen == "mlperf":
        folder = None if artifacts is None else (
            artifacts / "loadgen" / slug(f"{job.model.name}-{settings.scenario}"))
        return loadgen.run_loadgen(infer, feeds, settings, folder, tick)
    return job.scenario.run(infer, feeds, settings, tick, target=target_)


def measure(job: Job, progress: Progress, artifacts: Path | None = None) -> RunResult:
    """Run one workload; a failure inside onnxruntime becomes a failed result. What
    onnxruntime logs meanwhile goes to the result's warnings, not to the terminal."""
    with session.runtime(job.model.custom_ops) as log:
        result = _measure(job, progress, artifacts)
    return result.model_copy(update=run_notes(job.model.warnings, log.lines(), job.inputs))


def _measure(job: Job, progress: Progress, artifacts: Path | None) -> RunResult:
    settings = job.settings
    if settings.engine == "genai":  # onnxruntime-genai's Generator, not a session
        return measure_genai(job, progress)
    feeds = generate_inputs(job.inputs, settings.seed)
    execution = job.execution
    refusal = execution.providers.refusal() if execution is not None else None
    if execution is not None and refusal is not None:
        return assemble.failed(job, execution.providers.requested[0], [refusal], refusal,
                               execution.record())
    beside = Beside(job.collectors, job.profile.energy_meter if job.profile else None)
    memory, cpu = MemoryCollector(), CpuCollector()
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
        measured = drive(job, opened.session.run, feeds, progress.tick, target(job, opened),
                         artifacts)
        inferences = (len(measured.samples_ns) + len(measured.warmup_samples_ns)) \
            * measured.samples_per_query
        extra = beside.stop(inferences)
        cpu_usage = cpu.stop()
        peak = memory.stop()
        cpu_nodes = None
        if execution is not None and execution.checks_nodes():
            events = session.node_providers(job.model.path, execution.config, feeds)
            cpu_nodes = fallen_back_nodes(execution, events)
        passes = run_passes(job.model.name, job.model.path, opened, feeds, settings,
                            artifacts, _tolerance(job.model, settings.precision))
    except BaseException as exc:
        with contextlib.suppress(Exception):  # stop the samplers' threads, keep the error
            memory.stop()
            cpu.stop()
            beside.stop(0)
        if not isinstance(exc, RUN_FAILURES):
            raise  # a user error (exit 2) or a bug in edgebench (its traceback)
        message = str(exc).strip() or type(exc).__name__
        requested = execution.providers.requested[0] if execution else session.CPU
        forbid = execution is not None and execution.providers.policy == "forbid"
        reasons = [f"{requested} could not run every node and the profile forbids fallback"
                   if forbid else "the run failed"]
        return assemble.failed(job, requested, reasons, message,
                               execution.record() if execution else None)
    observed = assemble.Observed(
        opened=opened, first_inference_ns=first_ns, measured=measured, beside=extra,
        cpu=cpu_usage, cpu_nodes=cpu_nodes, passes=passes,
        memory=Memory(peak_rss_bytes=peak, peak_rss_method=memory.method,
                      model_load_rss_delta_bytes=rss_loaded - rss_before))
    return assemble.measured(job, observed)


@contextlib.contextmanager
def side_files(artifacts: Path | None) -> Iterator[Path]:
    """Where a run's side files go (operator-profile traces, LoadGen logs): the report
    folder, or a temporary folder that is removed when the run is done."""
    if artifacts is not None:
        yield artifacts
        return
    folder = Path(tempfile.mkdtemp(prefix="edgebench-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
    the report (operator-profile traces, LoadGen logs) go to ``artifacts`` (the report
    folder).
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
    with emulated(emulation), side_files(artifacts) as folder:
        for index, job in enumerate(jobs, start=1):
            progress.begin(index, len(jobs), f"{job.model.name} {job.settings.scenario}",
                           job.settings.duration_s)
            result = measure(job, progress, folder)
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
    Files the run makes (LoadGen logs, operator-profile traces) go to a temporary folder
    that is removed before it returns.
    """
    profile, _ = load_profile(device or detect_profile())
    job = plan([model], profile, settings or RunSettings.quick(), quick=False)[0]
    with side_files(None) as folder:
        return measure(job, SilentProgress(), folder)
