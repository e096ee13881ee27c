"""``edgebench score``: Geekbench-AI-style scores of a saved report against the reference."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from bench import zoo
from bench.cli.base import json_option, print_json
from bench.result.contract import load_report
from bench.result.scores import load_reference, score_report


@click.command()
@click.argument("report_path", metavar="REPORT.json", type=click.Path(path_type=Path))
@click.option("--reference", type=click.Path(path_type=Path),
              help="Reference report [reports/baselines/reference.json].")
@json_option
def score(report_path: Path, reference: Path | None, as_json: bool) -> None:
    """Score a saved report: 1000 x geometric mean of reference p90 / measured p90 per
    category and precision (the reference device scores 1000; see the README)."""
    scores = score_report(load_report(report_path),
                          load_reference(str(reference) if reference else None),
                          {spec.name: spec.categories for spec in zoo.list_models()})
    if as_json:
        print_json([asdict(s) | {"partial": s.partial} for s in scores])
        return
    for s in scores:
        value = f"{s.score:.0f}" if s.score is not None else "-"
        note = f"  PARTIAL, missing: {', '.join(s.missing)}" if s.partial else ""
        click.echo(f"{s.category} {s.precision}: {value} over {len(s.workloads)} "
                   f"workloads{note}")
