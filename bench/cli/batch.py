"""``edgebench batch PLAN.yaml``: run a batch plan, resumably."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType

import click

from bench.cli.base import print_json
from bench.files import check_output, report_bytes
from bench.lab.batch import dry_run, run_batch
from bench.lab.batch.executors import DEFAULT_RETRIES, EXECUTORS, build_executor
from bench.measure.progress import format_seconds, tasks_for
from bench.report.table import render_text


class _StopAfterCurrent:
    """First Ctrl-C: finish the current run, then stop. Second: stop now."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        click.echo("\nstopping after the current run (Ctrl-C again to abort it)", err=True)


def _print_plan(plan: Path, as_json: bool) -> None:
    planned = dry_run(plan)
    if as_json:
        print_json({"runs": [{"key": r.key, "profile": r.profile, "model": r.model,
                              "settings": r.settings.model_dump(mode="json")}
                             for r in planned.runs], "estimate_s": planned.estimate_s})
        return
    rows = [(str(r.index), r.key, f"{r.settings.duration_s:g}") for r in planned.runs]
    click.echo(render_text(rows, ("#", "run", "duration s")))
    click.echo(f"\n{len(planned.runs)} runs, estimated {format_seconds(planned.estimate_s)} "
               f"(at most {format_seconds(planned.timeout_s * len(planned.runs))} with "
               "every run at its timeout)")


def _output_bytes(plan: Path) -> int:
    """What the batch writes, at least: a report (and a log) a run."""
    runs = dry_run(plan).runs
    return report_bytes(len(runs), max(
        (r.settings.min_queries + r.settings.warmup for r in runs), default=0))


@click.command()
@click.argument("plan", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Output folder: the journal, one folder per run, batch.json "
                   "[reports/batch-<plan name>].")
@click.option("--resume", is_flag=True, help="Continue the batch in --out: run only the "
                                             "runs with no result yet.")
@click.option("--dry-run", is_flag=True, help="Print the expanded plan and its estimated "
                                              "time; run nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.option("--executor", type=click.Choice(EXECUTORS), default="local", show_default=True,
              help="Where runs execute: here, one at a time; or 'ray': on the devices of a "
                   "Ray cluster, each on a node offering its profile (pip install "
                   "'edgebench[fleet]').")
@click.option("--address", default=None, help="With --executor ray: the cluster, "
              "ray://HOST:10001, HOST:6379 or auto [$RAY_ADDRESS, else auto].")
@click.option("--retries", type=int, default=None, help="With --executor ray: times a run is "
              f"started again when its device's node dies mid-run [{DEFAULT_RETRIES}].")
def batch(plan: Path, out: Path | None, resume: bool, dry_run: bool, as_json: bool,
          executor: str, address: str | None, retries: int | None) -> None:
    """Run the batch PLAN (profiles x models x precisions x scenarios x repeats), each run
    in its own process with a timeout, journaled as it finishes.

    \b
    A crash or hang fails that run only (recorded with its cause). After a kill or a power
    cut, --resume runs exactly the runs that have no result. Ctrl-C stops after the current
    run. Exit 0 when every run succeeded, 1 when some failed, 130 when stopped early.
    """
    if dry_run:
        _print_plan(plan, as_json)
        return
    runner = build_executor(executor, address, retries)
    from bench.lab.batch.expand import load_plan
    out = out or Path("reports") / f"batch-{load_plan(plan).name}"
    check_output(out, "--out", _output_bytes(plan), folder=True)
    stop = _StopAfterCurrent()
    previous = signal.signal(signal.SIGINT, stop)
    try:
        outcome = run_batch(plan, out, resume=resume, executor=runner,
                            should_stop=lambda: stop.requested,
                            progress=tasks_for() if not as_json else None)
    finally:
        signal.signal(signal.SIGINT, previous)
    if as_json:
        print_json({"total": outcome.total, "ok": outcome.ok, "failed": outcome.failed,
                    "pending": outcome.pending, "batch_report": str(outcome.report or "")})
    else:
        click.echo(f"{outcome.ok} ok, {outcome.failed} failed, {outcome.pending} not run")
        click.echo(f"batch report: {outcome.report}" if outcome.report else
                   f"stopped early: continue with 'edgebench batch {plan} --out {out} "
                   "--resume'")
    sys.exit(130 if outcome.interrupted else 1 if outcome.failed else 0)
