"""``edgebench compare``: is NEW slower than BASE, with statistics and an exit code."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bench.report.comparison import VIEWS, compare_files
from bench.result.compare import check_metric, parse_threshold


@click.command()
@click.argument("base", metavar="BASE.json", type=click.Path(path_type=Path))
@click.argument("new", metavar="NEW.json", type=click.Path(path_type=Path))
@click.option("--metric", default="p90", show_default=True,
              help="p50, p90, p95, p99 (any pNN), median or mean.")
@click.option("--threshold", default="5%", show_default=True,
              help="Smallest change that counts, e.g. 5% or 0.05.")
@click.option("--fail-on-regression", is_flag=True,
              help="Exit 1 when any pair regressed beyond the threshold, significantly.")
@click.option("--format", "fmt", type=click.Choice(sorted(VIEWS)), default="table",
              show_default=True)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the bootstrap.")
def compare(base: Path, new: Path, metric: str, threshold: str, fail_on_regression: bool,
            fmt: str, seed: int) -> None:
    """Compare two saved reports result by result.

    Results pair up by model, precision and scenario, and are compared only when the model
    sha256, input shapes and query settings agree (else `incomparable`, with the reason).
    Each pair is improved, regressed or unchanged by a seeded bootstrap 95% interval of the
    ratio NEW/BASE of the metric: regressed only when the whole interval is above
    1 + threshold, so noise is not called a regression.
    """
    comparison = compare_files(base, new, check_metric(metric), parse_threshold(threshold),
                               seed)
    click.echo(VIEWS[fmt](comparison), nl=False)
    if fail_on_regression and comparison.regressed:
        sys.exit(1)
