"""The host's drift as a doctor finding: how far the speed moved inside one unbroken
process (:mod:`bench.stats.drift`), either from a probe (``edgebench doctor`` runs a small
model in one fresh process at 1 thread) or from a run's own processes (every run with
repeats records it beside the host's other threats, ``Report.doctor``).

A host whose own speed changes while a process runs (another tenant of a virtual
machine's host, its clock) shows no steal time and no busy process, so no other check
finds it, and no choice of threads or repeats removes it: it only tells the reader that
runs here can differ by that much."""

from __future__ import annotations

from collections.abc import Sequence

from bench.device import hostchecks
from bench.measure.plan import plan
from bench.measure.protocol import feeds_file, job_to_wire
from bench.measure.threads import trial_job
from bench.measure.workers import run_worker
from bench.measure.workload import process_job
from bench.result.models import RunResult
from bench.result.processes import DoctorFinding
from bench.spec import RunSettings
from bench.spec.profiles import detect_profile, load_profile
from bench.stats.drift import DRIFT_THRESHOLD, WINDOW_S, drift, exceeds
from bench.zoo.inputs import generate_inputs

PROBE_S = 4.0  # measured seconds of the probe's one process
CHECK = "drift"
ADVICE = (f"runs here can differ by that much whatever the harness does (more than "
          f"{DRIFT_THRESHOLD:.0%}); measure on a dedicated machine or an isolated, pinned "
          f"vCPU; the interval and the stability verdict show the spread, they cannot "
          f"remove it")


def probe(model: str, seconds: float = PROBE_S, device: str | None = None) -> DoctorFinding:
    """One fresh process of ``model`` for ``seconds`` at 1 thread: the finding."""
    profile, _ = load_profile(device or detect_profile())
    job = trial_job(plan([model], profile, RunSettings.quick(), quick=False)[0], 1, seconds)
    with feeds_file(generate_inputs(job.inputs, job.settings.seed), "edgebench-drift-") as feeds:
        outcome = run_worker(job_to_wire(process_job(job), feeds, None, 0))
    if outcome.observation is None:
        return hostchecks.finding(CHECK, None, f"the probe of {model} failed: {outcome.error}")
    found = drift(outcome.observation.measured.samples_ns)
    if found is None:
        return hostchecks.finding(CHECK, None, f"{model} filled too few {WINDOW_S:g} s "
                                               f"windows in {seconds:g} s to tell")
    where = (f"one unbroken {seconds:g} s process of {model} at 1 thread: the medians of "
             f"its {len(found.medians_ns)} windows of {found.window_s:g} s moved by "
             f"{found.ratio:.1%} ({found.low_ns / 1e6:.3g}-{found.high_ns / 1e6:.3g} ms)")
    if not found.drifted:
        return hostchecks.finding(CHECK, False, where)
    return hostchecks.finding(CHECK, True, where + ": the host's own speed changed while "
                                                  "it ran", ADVICE)


def of_results(results: Sequence[RunResult]) -> list[DoctorFinding]:
    """The finding over a run's processes (none when no result has a process's drift)."""
    moved = [(r.model, run.index, run.drift) for r in results if r.processes is not None
             for run in r.processes.runs if run.drift is not None]
    if not moved:
        return []
    model, index, most = max(moved, key=lambda m: m[2])
    drifted = [m for m in moved if exceeds(m[2])]
    where = (f"{len(drifted)} of {len(moved)} processes of this run moved by more than "
             f"{DRIFT_THRESHOLD:.0%} from one window of their queries to another (0.25 s, "
             f"or 20 queries where longer); the most, "
             f"{most:.1%}, {model} process {index}")
    if not drifted:
        return [hostchecks.finding(CHECK, False, where)]
    return [hostchecks.finding(CHECK, True, where + ": the host's own speed changed "
                                                    "during the run", ADVICE)]
