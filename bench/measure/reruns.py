"""Where a re-run lands, from the earlier invocations of the same workload on this host.

The processes of one invocation run one after another within seconds, and on a shared
machine the level the host runs at moves on a scale of seconds to minutes, so they are
correlated: their spread understates the spread between invocations (measured on the
project's VM, five processes' prediction interval held another invocation's headline in
0.87 and 0.81 of cases, not 0.95). The earlier invocations of the same workload on the
same host measured the same quantity under the same conditions, so their headlines are an
estimate of its repeatability from earlier data (a Type A evaluation with a pooled
estimate: JCGM 100:2008, the GUM, 4.2.4). Once ``MIN_EARLIER`` of them are known, a
result's interval is widened to the 95 % prediction interval of one more invocation's
headline from the headlines of the last ``KEEP`` invocations, this one included
(:func:`bench.stats.processes.prediction_interval` over invocations instead of processes),
and says how many earlier invocations it rests on.

Kept per workload (the key of :mod:`bench.measure.thread_choice` plus the thread count,
the repeats, the run length and the headline field) in the cache folder: the headline and
time of every measured result with ``--repeats`` 2 or more, the last ``KEEP``, none older
than ``MAX_AGE_DAYS``. A result with ``--repeats 1`` neither uses nor adds to it (its
interval covers its one process). ``EDGEBENCH_RERUNS=0`` states the interval from this
run's processes only and keeps nothing; a cache that cannot be read or written only means
the interval rests on this run alone.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from pydantic import BaseModel, ValidationError

from bench.files import write_atomic
from bench.measure import thread_choice
from bench.measure.plan import Job
from bench.result.models import RunResult
from bench.result.processes import RERUN_METHOD
from bench.stats.processes import prediction_interval
from bench.zoo.cache import cache_dir

KEEP = 20
MIN_EARLIER = 4
MAX_AGE_DAYS = 7
ENV = "EDGEBENCH_RERUNS"


class Invocation(BaseModel):
    headline: float
    at: dt.datetime


class Kept(BaseModel):
    invocations: list[Invocation]


def enabled() -> bool:
    return os.environ.get(ENV, "").strip() != "0"


def _path(job: Job) -> Path:
    extra = [job.settings.threads, job.settings.repeats, job.settings.duration_s,
             job.scenario.headline_field]
    digest = thread_choice.key(job, [], extra)
    return cache_dir() / "reruns" / f"{digest[:32]}.json"


def earlier(job: Job, now: dt.datetime) -> list[Invocation]:
    """The kept invocations of ``job``'s workload younger than ``MAX_AGE_DAYS``."""
    try:
        kept = Kept.model_validate_json(_path(job).read_bytes()).invocations
    except (OSError, ValidationError, ValueError):
        return []
    oldest = now - dt.timedelta(days=MAX_AGE_DAYS)
    return [i for i in kept if oldest <= i.at <= now and i.headline > 0]


def remember(job: Job, invocations: list[Invocation]) -> None:
    try:
        write_atomic(_path(job), Kept(invocations=invocations[-KEEP:]).model_dump_json()
                     .encode())
    except OSError:
        pass


def widen(job: Job, result: RunResult, now: dt.datetime | None = None) -> RunResult:
    """``result`` with its interval widened by the earlier invocations (see the module
    docstring), and its headline kept for the next; any other result as it is."""
    iv = result.interval
    if (not enabled() or (job.settings.repeats or 1) < 2 or result.status != "ok"
            or iv is None or iv.covers != "fresh process" or not iv.value > 0):
        return result
    now = now or dt.datetime.now(dt.timezone.utc)
    before = earlier(job, now)[-(KEEP - 1):]
    remember(job, [*before, Invocation(headline=iv.value, at=now)])
    if len(before) < MIN_EARLIER or iv.low is None or iv.high is None:
        return result.model_copy(update={"interval": iv.model_copy(
            update={"earlier_invocations": len(before)})})
    pi = prediction_interval([i.headline for i in before] + [iv.value])
    assert pi.low is not None and pi.high is not None
    low, high = min(iv.low, pi.low), max(iv.high, pi.high)
    return result.model_copy(update={"interval": iv.model_copy(update={
        "low": low, "high": high, "earlier_invocations": len(before),
        "rerun_low": pi.low, "rerun_high": pi.high,
        "relative_half_width": max(iv.value - low, high - iv.value) / iv.value,
        "method": f"{iv.method}; {RERUN_METHOD}"})})
