"""``--threads auto`` chooses once per host and workload: the trial's choice is kept in the
cache folder and the next invocation of the same workload on the same host reuses it.

A short trial can land either way between two close thread counts (or, on shared vCPUs,
see a bimodal count on a lucky run); choosing again in every invocation would put that
coin toss between two invocations that should agree, and measure them at different
thread counts. So the first trial decides and later runs say they kept its choice.
``EDGEBENCH_RETRIAL=1`` runs a new trial (and keeps its choice instead); so does a change
of host, onnxruntime version, model file, precision, scenario, inputs, providers or the
CPUs this process may use, which are the key.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from pathlib import Path

from pydantic import ValidationError

from bench.device import session
from bench.device.affinity import usable_cpus
from bench.files import write_atomic
from bench.measure.plan import Job
from bench.result.processes import ThreadsTrial
from bench.zoo.cache import cache_dir

RETRIAL_ENV = "EDGEBENCH_RETRIAL"


def key(job: Job, counts: list[int], extra: object = None) -> str:
    """What the choice depends on, as a digest (``extra``: more that a caller's record
    depends on, e.g. the run's length for :mod:`bench.measure.reruns`)."""
    config = job.execution.config if job.execution is not None else None
    parts = {
        "host": [platform.node(), platform.machine(), os.cpu_count(), usable_cpus()],
        "onnxruntime": session.runtime_version(),
        "model": job.model.sha256, "precision": job.settings.precision,
        "scenario": job.settings.scenario, "counts": counts,
        "inputs": {i.name: list(i.shape) for i in job.inputs},
        "providers": [name for name, _ in config.providers] if config is not None else [],
        "engine": [job.settings.samples_per_query, job.settings.batch,
                   str(job.settings.concurrency), job.settings.prompt_length,
                   job.settings.new_tokens],
    }
    if extra is not None:
        parts["extra"] = extra
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _path(digest: str) -> Path:
    return cache_dir() / "threads-auto" / f"{digest[:32]}.json"


def kept(job: Job, counts: list[int]) -> ThreadsTrial | None:
    """The choice an earlier trial of this workload made on this host, said as kept."""
    if os.environ.get(RETRIAL_ENV, "").strip() not in ("", "0"):
        return None
    path = _path(key(job, counts))
    try:
        earlier = ThreadsTrial.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, ValueError):
        return None  # none yet, or unreadable: a new trial
    return earlier.model_copy(update={
        "reason": f"kept from an earlier trial on this host ({RETRIAL_ENV}=1 runs a new "
                  f"one): {earlier.reason}",
        "method": f"{earlier.method}; chosen once per host and workload, kept in {path}"})


def keep(job: Job, counts: list[int], trial: ThreadsTrial) -> None:
    """Keep ``trial``'s choice for the next invocation; a cache that cannot be written
    only means the next run trials again."""
    try:
        write_atomic(_path(key(job, counts)), trial.model_dump_json().encode())
    except OSError:
        pass
