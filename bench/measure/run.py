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
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path

from bench._version import __version__
from bench.device import doctor, host, session
from bench.device.emulation import emulated, emulation_for
from bench.device.execution import run_notes
from bench.errors import EdgebenchError
from bench.measure import hostdrift
from bench.measure.genai_run import measure_genai
from bench.measure.plan import Job, plan
from bench.measure.progress import Progress, SilentProgress
from bench.measure.repeats import measure_repeats
from bench.measure.threads import resolve_threads
from bench.measure.workload import measure
from bench.result.models import DeviceInfo, Harness, Report, RunResult
from bench.spec import RunSettings
from bench.spec.profiles import detect_profile, load_profile


def measure_job(job: Job, progress: Progress, artifacts: Path | None = None) -> RunResult:
    """One planned workload: ``--threads auto`` resolved by its trial, then measured in
    this process (``repeats`` 1) or in ``repeats`` fresh worker processes."""
    with session.runtime(job.model.custom_ops) as log:  # onnxruntime's log: off the screen
        job = resolve_threads(job, progress)
        if job.settings.engine == "genai":  # onnxruntime-genai's Generator, one process
            result = measure_genai(job, progress)
        elif (job.settings.repeats or 1) > 1:
            result = measure_repeats(job, progress, artifacts)
        else:
            result = measure(job, progress, artifacts)
    return result.model_copy(update=run_notes(job.model.warnings, log.lines(), job.inputs))


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
    watch = doctor.Watch()  # what threatens reproducible numbers, read over the run
    results = []
    with emulated(emulation), side_files(artifacts) as folder:
        for index, job in enumerate(jobs, start=1):
            progress.begin(index, len(jobs), f"{job.model.name} {job.settings.scenario}",
                           job.settings.duration_s)
            result = measure_job(job, progress, folder)
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
        doctor=watch.findings() + hostdrift.of_results(results),
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
        return measure_job(job, SilentProgress(), folder)
