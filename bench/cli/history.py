"""``edgebench history``: results per commit, their series, and the steps in them."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bench.ci.history import METRICS, add_report, default_db, regressions, series, series_keys
from bench.cli.base import json_option, print_json
from bench.errors import UsageError
from bench.files import check_output, file_size, writing
from bench.measure.progress import tasks_for
from bench.report.table import render_text
from bench.result.compare import parse_threshold
from bench.result.contract import load_report

db_option = click.option(
    "--db", type=click.Path(path_type=Path), envvar="EDGEBENCH_HISTORY_DB",
    help="History database (SQLite) [$EDGEBENCH_HISTORY_DB, else the user data dir].")
metric_option = click.option("--metric", type=click.Choice(METRICS), default="p90",
                             show_default=True, help="Latency metric of the series.")


@click.group()
def history() -> None:
    """Track results per commit and find the commits where performance stepped.

    \b
      edgebench history add reports/<run-id>/report.json --commit $GITHUB_SHA
      edgebench history show tiny_cnn --plot tiny_cnn.svg
      edgebench history regressions --threshold 5%     exit 1 on a slowdown step
    """


@history.command()
@click.argument("report_path", metavar="REPORT.json", type=click.Path(path_type=Path))
@click.option("--commit", required=True, help="The commit SHA the report measured.")
@db_option
def add(report_path: Path, commit: str, db: Path | None) -> None:
    """Store a report's results under COMMIT (commits keep the order they are added in)."""
    db = db or default_db()
    check_output(db, "--db", file_size(report_path) + (64 << 10), in_place=True)
    with writing("--db", db):
        added = add_report(db, load_report(report_path), commit)
    click.echo(f"{added} result(s) of {report_path} recorded for {commit[:12]} in {db}")


@history.command()
@click.argument("model")
@metric_option
@click.option("--plot", type=click.Path(path_type=Path), metavar="FILE.svg",
              help="Also draw the series and its fitted levels (needs edgebench[plot]).")
@db_option
@json_option
def show(model: str, metric: str, plot: Path | None, db: Path | None, as_json: bool) -> None:
    """Print MODEL's series: one value per commit (the median of its results)."""
    db = db or default_db()
    keys = series_keys(db, model)
    if not keys:
        raise UsageError(f"no history for model {model!r} in {db}; add reports first with "
                         "'edgebench history add'")
    data = {key.label(): series(db, key, metric) for key in keys}
    if plot is not None:
        check_output(plot, "--plot", 256 << 10)
        from bench.ci.history_plot import write_svg

        label, points = next(iter(data.items()))
        write_svg(plot, points, label, metric)
    if as_json:
        print_json({label: [vars(p) for p in points] for label, points in data.items()})
        return
    for label, points in data.items():
        click.echo(f"{label} ({metric}, ms)")
        click.echo(render_text([(p.commit[:12], f"{p.value:.4f}", str(p.results))
                                for p in points], ("commit", metric, "results")) + "\n")


@history.command("regressions")
@metric_option
@click.option("--threshold", default="5%", show_default=True,
              help="Smallest step that counts, e.g. 5% or 0.05.")
@click.option("--model", help="Only this model's series.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Processes fitting series at once [one per core for many long series, else 1].")
@db_option
@json_option
def regressions_command(metric: str, threshold: str, model: str | None, jobs: int | None,
                        db: Path | None, as_json: bool) -> None:
    """Find step changes in every series (a penalised piecewise-constant fit, as asv does)
    and print the first commit of each step and its size. Exit 1 if a step is a slowdown
    beyond the threshold; speed-ups are listed but pass."""
    steps = regressions(db or default_db(), metric, parse_threshold(threshold), model,
                        progress=None if as_json else tasks_for(lines=False), jobs=jobs)
    if as_json:
        print_json([{**vars(s), "key": vars(s.key)} for s in steps])
    elif not steps:
        click.echo(f"no step beyond {threshold} in {metric}")
    else:
        click.echo(render_text([(s.key.label(), s.commit[:12], f"{s.before_ms:.4f}",
                                 f"{s.after_ms:.4f}", f"{s.change:+.1%}") for s in steps],
                               ("series", "first commit", "before ms", "after ms", "step")))
    if any(s.change > 0 for s in steps):
        sys.exit(1)
