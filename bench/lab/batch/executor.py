"""Executors: where a batch's runs execute. The batch never cares which one it has.

An executor turns :class:`RunTask` s into :class:`RunOutcome` s. The default,
:class:`LocalExecutor`, starts one child process per run (``python -m bench.lab.batch.child``)
with a wall-clock timeout, so a segfault or a hang fails that run only. Another executor
(a cluster, say) subclasses :class:`Executor` and overrides :meth:`Executor.run` (one run at
a time) or :meth:`Executor.run_all` (to keep several in flight); nothing else changes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bench.lab.batch.expand import PlannedRun
from bench.measure.children import kill_group as _kill_group
from bench.measure.children import signal_cause
from bench.measure.children import wait_exit as _wait
from bench.spec import RunSettings

REPORT_NAME = "report.json"
LOG_NAME = "child.log"


@dataclass(frozen=True)
class RunTask:
    """What a run needs: which model on which profile, how, and where its outputs go."""

    key: str
    profile: str
    model: str
    settings: RunSettings
    out_dir: Path
    timeout_s: float

    def to_json(self) -> str:
        return json.dumps({"key": self.key, "profile": self.profile, "model": self.model,
                           "settings": self.settings.model_dump(mode="json"),
                           "out": str(self.out_dir)})


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended: ``ok`` with a report, or ``failed`` with its cause."""

    key: str
    status: Literal["ok", "failed"]
    cause: str | None
    report: Path | None
    started_ns: int
    finished_ns: int
    duration_s: float


class Executor(ABC):
    """Runs tasks; :meth:`run_all` yields each outcome as soon as it is known."""

    def prepare(self, runs: list[PlannedRun]) -> None:
        """Check that the runs can execute here (a cluster offers their devices, say);
        raise a ``UsageError`` if not. Called before the batch writes anything. The local
        executor can run anything the plan names, so the default checks nothing."""
        return None

    @abstractmethod
    def run(self, task: RunTask) -> RunOutcome:
        """Run one task to its end; never raises for a failure of the run itself."""

    def run_all(self, tasks: Iterable[RunTask], on_start: Callable[[RunTask], None],
                should_stop: Callable[[], bool]) -> Iterator[RunOutcome]:
        """Run tasks one after another, asking ``should_stop`` before each."""
        for task in tasks:
            if should_stop():
                return
            on_start(task)
            yield self.run(task)


def _log_tail(path: Path) -> str:
    try:
        lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1].strip()[:300] if lines else ""


def _report_cause(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text())
        errors = [r.get("error") for r in data["results"] if r.get("status") == "failed"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return (errors[0] or "the run failed").splitlines()[0] if errors else None


def diagnose(returncode: int, timed_out: bool, timeout_s: float, out_dir: Path) -> str | None:
    """The cause of a failed run, from how its child ended; None when it succeeded."""
    report = out_dir / REPORT_NAME
    if timed_out:
        return f"timeout: no result after {timeout_s:g} s; killed"
    crashed = signal_cause(returncode)
    if crashed is not None:
        return crashed
    if returncode == 0:
        return None if report.is_file() else "the run wrote no report"
    if returncode == 1 and report.is_file():
        return _report_cause(report) or "the run failed"
    tail = _log_tail(out_dir / LOG_NAME)
    return f"exit code {returncode}" + (f": {tail}" if tail else "")


class LocalExecutor(Executor):
    """One child process per run on this machine, in its own session (so a Ctrl-C at the
    terminal reaches the batch, not the run) and its own process group (so a timeout kills
    everything it started). The child exits when the batch dies: it watches its stdin."""

    def __init__(self, python: str = sys.executable) -> None:
        self._python = python

    def run(self, task: RunTask) -> RunOutcome:
        task.out_dir.mkdir(parents=True, exist_ok=True)
        started_ns = time.time_ns()
        t0 = time.monotonic()
        with open(task.out_dir / LOG_NAME, "wb") as log:
            proc = subprocess.Popen(
                [self._python, "-m", "bench.lab.batch.child"], stdin=subprocess.PIPE,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        stdin = proc.stdin
        if stdin is None:
            raise RuntimeError("the child's stdin pipe was not created")
        try:
            try:
                stdin.write(task.to_json().encode() + b"\n")
                stdin.flush()
            except BrokenPipeError:  # it died at once; its exit status tells why
                pass
            exited = _wait(proc, task.timeout_s)
            if not exited:
                _kill_group(proc)
        except BaseException:  # a second Ctrl-C, or the batch is being torn down
            _kill_group(proc)
            raise
        finally:
            try:
                stdin.close()
            except BrokenPipeError:
                pass
        duration = time.monotonic() - t0
        cause = diagnose(proc.returncode, not exited, task.timeout_s, task.out_dir)
        report = task.out_dir / REPORT_NAME
        return RunOutcome(task.key, "failed" if cause else "ok", cause,
                          report if report.is_file() else None, started_ns, time.time_ns(),
                          duration)
