"""Results measured in several processes, built from hand-made measurements through the real
assembly and merge code (no worker runs): for the tests of merge, compare, ab, verdicts,
scores and report.md."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bench.device.collectors.beside import BesideResult
from bench.measure import assemble
from bench.measure.merge import Repeat, merge
from bench.measure.observe import Observation
from bench.measure.plan import Job, plan
from bench.measure.scenarios import Measurement
from bench.result.models import Memory, RunResult
from bench.spec import RunSettings
from bench.spec.profiles import load_profile
from bench.stats.intervals import percentile_ci


def tiny_job(repeats: int = 4, model: str = "tiny_mlp") -> Job:
    profile, _ = load_profile("host")
    settings = RunSettings(repeats=repeats, threads=1, duration_s=2, min_queries=200)
    return plan([model], profile, settings, quick=False)[0]


def process_result(job: Job, level_ms: float, n: int = 400, seed: int = 0,
                   samples_ns: Sequence[int] = ()) -> RunResult:
    """One process's result: ``n`` samples within 1 % above ``level_ms``, or
    ``samples_ns`` as given."""
    rng = np.random.default_rng(seed)
    samples = tuple(samples_ns) or tuple(int(v) for v in
                                         level_ms * 1e6 * (1 + 0.01 * rng.random(n)))
    measured = Measurement(samples_ns=samples, warmup_samples_ns=(samples[0],),
                           duration_ns=sum(samples), ended_by="min_duration and min_queries met",
                           ci=percentile_ci(samples, 90))
    observed = Observation(providers=("CPUExecutionProvider",), session_create_ns=2_000_000,
                           first_inference_ns=500_000, measured=measured, beside=BesideResult(),
                           cpu=None, memory=Memory(peak_rss_bytes=100 + seed,
                                                   peak_rss_method="VmHWM",
                                                   model_load_rss_delta_bytes=10))
    return assemble.measured(job, observed, with_roofline=False)


def multi_process(job: Job, levels: Sequence[float], seed: int = 0) -> RunResult:
    """The merged result of one process per level."""
    repeats = [Repeat(i + 1, 1000 + i, process_result(job, level, seed=seed + i))
               for i, level in enumerate(levels)]
    return merge(job, repeats, 0.5, 64)
