"""Batch runs for certification labs: a plan of runs, one subprocess each, a journal.

``run_batch(plan, out)`` runs a plan; ``dry_run(plan)`` expands it without running. The
executor (``LocalExecutor`` by default) is the only part that knows where runs execute.
"""

from bench.lab.batch.driver import BatchOutcome, DryRun, dry_run, run_batch
from bench.lab.batch.executor import Executor, LocalExecutor, RunOutcome, RunTask
from bench.lab.batch.expand import PlannedRun

__all__ = ["BatchOutcome", "DryRun", "Executor", "LocalExecutor", "PlannedRun", "RunOutcome",
           "RunTask", "dry_run", "run_batch"]
