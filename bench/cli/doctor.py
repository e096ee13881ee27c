"""``edgebench doctor``: what on this host threatens reproducible numbers, and a short
calibration of the process-to-process spread at each thread count."""

from __future__ import annotations

import click

from bench.cli.base import json_option, print_json
from bench.device.doctor import examine
from bench.measure import hostdrift
from bench.measure.calibrate import MODEL, calibrate
from bench.report.table import render_text


@click.command()
@click.option("--calibrate/--no-calibrate", "calibrating", default=True, show_default=True,
              help="Run a small model in one unbroken process (does the host's speed move "
                   "inside it?) and in fresh processes at each thread count (<= 30 s).")
@click.option("--model", default=MODEL, show_default=True, help="The calibration model.")
@json_option
def doctor(calibrating: bool, model: str, as_json: bool) -> None:
    """Check this host for what makes benchmark numbers move between runs (virtualisation
    and steal time, governor, boost, SMT, load and busy processes, huge pages, thermal
    state, memory pressure, battery), each with what to do; then calibrate: whether the
    host's own speed moves inside one unbroken run of a small model (drift), and the
    spread of its headline over fresh processes at each thread count. Exit 0."""
    findings = examine()
    trial = None
    if calibrating:
        findings.append(hostdrift.probe(model))
        trial = calibrate(model)
    if as_json:
        print_json({"findings": [f.model_dump() for f in findings],
                    "calibration": trial.model_dump() if trial else None})
        return
    click.echo(render_text([(f.status, f.check, f.detail, f.advice) for f in findings],
                           ("status", "check", "found", "what to do")))
    if trial is not None:
        click.echo(f"\ncalibration: {model}, {trial.processes_per_candidate} fresh processes "
                   f"of {trial.duration_s:g} s at each thread count (p90 ms)")
        click.echo(render_text([(str(c.threads), " ".join(f"{v:.3f}" for v in c.values),
                                 f"{c.spread:.1%}" if c.spread is not None else "-",
                                 "yes" if c.stable else "no") for c in trial.candidates],
                               ("threads", "per process", "spread", "steady")))
        click.echo(f"--threads auto would choose: {trial.reason}")
