"""Interleaved A/B: baseline and candidate measured alternately in the same job, then compared.

Why: on shared CI runners the machine, its load and its clock change between jobs, so a
baseline measured yesterday on another runner can fake a regression or hide one. Running A
and B in turns in one job exposes both to the same machine and the same drift. The order is
ABBA BAAB ... (each round reverses the previous one), so a slow drift during the job loads
both sides equally rather than always the side that runs second.

Each round is a fresh invocation, so rounds are the units of the test: a round's value is
its run's metric (the median over its processes when it ran several), and with two or
more rounds the verdict is the Welch interval of candidate/base over those values
(:func:`bench.stats.processes.classify_processes`, ``units="rounds"``): ``regressed``
only when the whole interval lies above 1 + threshold. Samples within a round are not
independent of each other across rounds, so pooling them would overstate the evidence.
With one round, the pooled samples go to ``compare``'s block bootstrap.

A side is a ``Sampler``: any callable that runs one measurement and returns its result
(a ``RunResult``) or its raw samples (ns).
``command_sampler`` makes one from an ``edgebench run ... --json`` command line;
``model_sampler`` from a library call.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bench.errors import RunError, UsageError
from bench.result.compare import Verdict, classify
from bench.result.models import RunResult
from bench.result.repeats import process_values
from bench.spec import RunSettings
from bench.stats.processes import classify_processes, headline
from bench.stats.significance import metric_value

Sampler = Callable[[], "Sequence[int] | RunResult"]


@dataclass(frozen=True)
class ABRun:
    """One measurement of one side, in the order it ran."""

    side: str  # "base" or "candidate"
    queries: int
    metric_ms: float


@dataclass(frozen=True)
class ABOutcome:
    verdict: Verdict
    runs: tuple[ABRun, ...]

    @property
    def regressed(self) -> bool:
        return self.verdict.kind == "regressed"

    def spread(self, side: str) -> float:
        """How much one side's runs disagree: max/min of their metric, minus 1. A threshold
        below this is below the noise floor of the machine (not a test, a warning sign)."""
        values = [r.metric_ms for r in self.runs if r.side == side]
        return max(values) / min(values) - 1 if min(values) > 0 else float("inf")


def order(rounds: int) -> list[str]:
    """ABBA-balanced order of ``rounds`` pairs: AB, BA, AB, ..."""
    pairs = (("base", "candidate"), ("candidate", "base"))
    return [side for i in range(rounds) for side in pairs[i % 2]]


def _round(got: Sequence[int] | RunResult, metric: str) -> tuple[list[int], float]:
    """A round's samples and its value of ``metric`` (ms)."""
    import numpy as np

    if isinstance(got, RunResult):
        values = process_values(got, metric)
        return list(got.samples_ns), headline(values) if values else 0.0
    samples = list(got)
    value = metric_value(np.sort(np.asarray(samples, dtype=np.float64)), metric) if samples \
        else 0.0
    return samples, value / 1e6


def interleave(base: Sampler, candidate: Sampler, rounds: int = 5, metric: str = "p90",
               threshold: float = 0.05, seed: int = 0) -> ABOutcome:
    """Run ``base`` and ``candidate`` ``rounds`` times each, alternately, and classify with
    the rounds as units (one round: the pooled samples)."""
    if rounds < 1:
        raise UsageError(f"--rounds {rounds}: need at least 1")
    samplers = {"base": base, "candidate": candidate}
    pooled: dict[str, list[int]] = {"base": [], "candidate": []}
    values: dict[str, list[float]] = {"base": [], "candidate": []}
    runs = []
    for side in order(rounds):
        samples, value = _round(samplers[side](), metric)
        if not samples:
            raise RunError(f"the {side} run returned no latency samples")
        pooled[side] += samples
        values[side].append(value)
        runs.append(ABRun(side, len(samples), value))
    if rounds >= 2:
        verdict = classify_processes(values["base"], values["candidate"], metric, threshold,
                                     units="rounds")
    else:
        verdict = classify(pooled["base"], pooled["candidate"], metric, threshold, seed)
    return ABOutcome(verdict, tuple(runs))


def _result_of_report(path: Path, command: str) -> RunResult:
    from bench.result.contract import load_report

    results = [r for r in load_report(path).results]
    failed = [r for r in results if r.status != "ok"]
    if failed:
        raise RunError(f"{command!r}: {failed[0].model} failed: {failed[0].error}")
    if len(results) != 1:
        raise UsageError(f"{command!r}: measured {len(results)} models; an A/B compares one "
                         "model per command")
    return results[0]


def _read(handle: IO[bytes]) -> str:
    handle.seek(0)
    return handle.read().decode(errors="replace")


def command_sampler(command: str, timeout: float | None = None) -> Sampler:
    """A side that runs ``command`` (split like a shell would, run without one; use
    ``sh -c '...'`` for pipes or background jobs); it must be an ``edgebench run ... --json``
    that measures one model. Its report's result is the side's measurement."""
    argv = shlex.split(command)
    if not argv:
        raise UsageError("--base-cmd/--candidate-cmd: empty command")

    def sample() -> RunResult:
        # Output goes to files, not pipes: a background process the command leaves behind
        # would hold a pipe open and block the wait for the command itself.
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            try:
                code = subprocess.run(argv, stdout=out, stderr=err, timeout=timeout).returncode
            except FileNotFoundError:
                raise UsageError(f"{command!r}: no such program {argv[0]!r}") from None
            stdout, stderr = (_read(f) for f in (out, err))
        if code != 0:
            tail = (stderr.strip().splitlines() or ["(no output)"])[-1]
            raise RunError(f"{command!r} exited {code}: {tail}")
        try:
            report = json.loads(stdout)["report"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise UsageError(f"{command!r}: expected 'edgebench run ... --json' output "
                             "(a JSON object naming the report)") from None
        return _result_of_report(Path(report), command)

    return sample


def model_sampler(model: str, settings: RunSettings | None = None,
                  device: str | None = None) -> Sampler:
    """A side that benchmarks ``model`` in this process through ``bench.measure.run.run_one``."""
    def sample() -> RunResult:
        from bench.measure.run import run_one

        result = run_one(model, settings, device)
        if result.status != "ok":
            raise RunError(f"{model}: the run failed: {result.error}")
        return result

    return sample
