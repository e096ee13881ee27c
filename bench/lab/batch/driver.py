"""Driving a batch: expand the plan, skip what the journal has, run the rest, report.

Order of writes for one run: the child writes its report atomically; the driver syncs the
run's folder, then commits the journal row. So a row always points at a complete report,
and a run without a row is run again on ``--resume``.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from bench._version import __version__
from bench.errors import UsageError
from bench.files import write_atomic
from bench.lab.batch.executor import Executor, LocalExecutor, RunOutcome, RunTask
from bench.lab.batch.expand import PlannedRun, expand, load_plan, plan_digest
from bench.lab.batch.journal import Journal, JournalEntry
from bench.lab.batch.record import BatchReport, BatchRunRecord
from bench.measure.progress import SilentTasks, Tasks, format_seconds

BATCH_REPORT_NAME = "batch.json"


@dataclass(frozen=True)
class BatchOutcome:
    total: int
    ok: int
    failed: int
    pending: int
    report: Path | None  # batch.json, written once every planned run has a result

    @property
    def interrupted(self) -> bool:
        return self.pending > 0


@dataclass(frozen=True)
class DryRun:
    runs: list[PlannedRun]
    estimate_s: float
    timeout_s: float


def dry_run(plan_path: Path) -> DryRun:
    """The expanded plan and its estimated time; nothing runs, nothing is written."""
    plan = load_plan(plan_path)
    runs = expand(plan, plan_path)
    return DryRun(runs, sum(r.estimate_s() for r in runs), plan.timeout_s)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_out(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir}: exists and is not a directory")
    if not out_dir.parent.is_dir():
        raise UsageError(f"--out {out_dir}: its folder {out_dir.parent} does not exist")


def _write_report(out_dir: Path, plan_name: str, digest: str, runs: list[PlannedRun],
                  journal: Journal) -> Path:
    results = journal.results()
    attempts: dict[str, int] = {}
    for key, _ in journal.attempts():
        attempts[key] = attempts.get(key, 0) + 1
    records = []
    for run in runs:
        entry = results[run.key]
        report = entry.report
        records.append(BatchRunRecord(
            index=run.index, key=run.key, profile=run.profile, model=run.model,
            precision=run.precision, scenario=run.scenario, repeat=run.repeat,
            status=entry.status, cause=entry.cause, report=report,
            duration_s=entry.duration_s, attempts=attempts.get(run.key, 0)))
    ok = sum(r.status == "ok" for r in records)
    batch = BatchReport(plan=plan_name, plan_digest=digest,
                        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                        harness_version=__version__, total=len(records), ok=ok,
                        failed=len(records) - ok, runs=records)
    path = out_dir / BATCH_REPORT_NAME
    write_atomic(path, (batch.model_dump_json(indent=2) + "\n").encode())
    return path


def run_batch(plan_path: Path, out_dir: Path, resume: bool = False,
              executor: Executor | None = None, progress: Tasks | None = None,
              should_stop: Callable[[], bool] = lambda: False) -> BatchOutcome:
    """Run every planned run that has no result yet, each through ``executor`` (one local
    subprocess per run by default), journaling each as it finishes. ``should_stop`` is
    asked before each run (Ctrl-C: finish the current run, keep everything, stop).

    Raises a ``UsageError`` for a bad plan or output folder before anything is written.
    """
    executor = executor or LocalExecutor()
    progress = progress or SilentTasks()
    plan = load_plan(plan_path)
    runs = expand(plan, plan_path)
    digest = plan_digest(plan, runs)
    _check_out(out_dir)
    executor.prepare(runs)
    journal = (Journal.resume if resume else Journal.create)(out_dir, digest)
    try:
        done = journal.results()
        pending = [r for r in runs if r.key not in done]
        estimate = format_seconds(sum(r.estimate_s() for r in pending))
        progress.start(len(pending), f"batch: {len(pending)} of {len(runs)} runs to do, "
                                     f"about {estimate}")
        tasks = (RunTask(r.key, r.profile, r.model, r.settings, out_dir / "runs" / r.slug,
                         plan.timeout_s) for r in pending)

        def on_start(task: RunTask) -> None:
            shutil.rmtree(task.out_dir, ignore_errors=True)  # a killed attempt's leftovers
            journal.record_attempt(task.key, time.time_ns())
            progress.begin(task.key)

        for outcome in executor.run_all(tasks, on_start, should_stop):
            _journal(journal, outcome, out_dir)
            progress.end(outcome.key, outcome.cause if outcome.status == "failed" else None,
                         outcome.duration_s)
        progress.finish()
        results = journal.results()
        ok = sum(e.status == "ok" for e in results.values())
        left = len(runs) - len(results)
        report = None if left else _write_report(out_dir, plan.name, digest, runs, journal)
        return BatchOutcome(len(runs), ok, len(results) - ok, left, report)
    finally:
        journal.close()


def _journal(journal: Journal, outcome: RunOutcome, out_dir: Path) -> None:
    report = None
    if outcome.report is not None:
        _fsync_dir(outcome.report.parent)
        report = str(outcome.report.relative_to(out_dir))
    journal.record_result(JournalEntry(
        outcome.key, outcome.status, outcome.cause, report, outcome.started_ns,
        outcome.finished_ns, outcome.duration_s))
