"""The calibration of ``edgebench doctor``: a small model measured in several fresh worker
processes at each intra-op thread count, and the process-to-process spread of each, in at
most about ``budget_s`` seconds. It is the ``--threads auto`` trial
(:func:`bench.measure.threads.run_trial`) with more processes and longer runs, so what it
prints is what auto would choose here.

Before it, doctor runs :func:`bench.measure.hostdrift.probe` (one unbroken process): the
trial's budget is what is left of 30 s after it."""

from __future__ import annotations

from bench.device.affinity import usable_cpus
from bench.measure.hostdrift import PROBE_S
from bench.measure.plan import plan
from bench.measure.threads import candidates, run_trial
from bench.result.processes import ThreadsTrial
from bench.spec import RunSettings
from bench.spec.profiles import detect_profile, load_profile

MODEL = "tiny_cnn"
RUN_S = 1.0  # measured seconds of each calibration process
PROCESS_S = 2.5  # a process's wall time, start-up included (what the budget is divided by)
BUDGET_S = 30.0 - PROBE_S - PROCESS_S  # doctor's 30 s less the drift probe's process


def calibrate(model: str = MODEL, budget_s: float = BUDGET_S,
              device: str | None = None) -> ThreadsTrial:
    """Fresh processes at every thread count, in rotating rounds; the trial record."""
    profile, _ = load_profile(device or detect_profile())
    settings = RunSettings.quick(threads="auto", repeats=2)
    job = plan([model], profile, settings, quick=False)[0]
    counts = candidates(usable_cpus())
    rounds = max(3, min(5, int(budget_s // (len(counts) * PROCESS_S))))
    return run_trial(job, counts, RUN_S, fresh=True, rounds=rounds)
