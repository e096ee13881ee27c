"""The ``edgebench`` command: parse, call one library function, render. No logic here.

Exit codes: 0 success; 1 a run failed (or another ``EdgebenchError``); 2 bad input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

import bench
from bench import host, profiles, zoo
from bench.config import RunSettings, parse_shapes, parse_values
from bench.errors import EdgebenchError, UsageError
from bench.progress import LineProgress, SilentProgress
from bench.report import write_report
from bench.report.table import render_text, result_row
from bench.scenarios import list_scenarios


class EdgebenchGroup(click.Group):
    """Maps the library's one error tree to exit codes, in this one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EdgebenchError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


def _print_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2))


@click.group(cls=EdgebenchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(bench.__version__, prog_name="edgebench")
def cli() -> None:
    """Benchmark ONNX models on this device and write comparable reports.

    \b
    Start here:
      edgebench run                  the quick suite of the profile that fits this host
      edgebench run model.onnx --shape x=1,3,224,224
      edgebench env                  what this machine is, as reports record it
    """


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
def env(as_json: bool) -> None:
    """Show the host fingerprint every report records."""
    info = host.fingerprint()
    if as_json:
        _print_json(info.model_dump(mode="json"))
        return
    for key, value in info.model_dump().items():
        shown = ", ".join(value) if isinstance(value, list) else value
        if key == "memory_bytes":
            shown = f"{value / 2**30:.1f} GiB ({value} bytes)"
        click.echo(f"{key:15} {shown}")


@cli.group()
def models() -> None:
    """The reference model suite."""


@models.command("list")
@click.option("--category", type=click.Choice(["phone", "pc", "wearable", "all-in-one"]),
              help="Only models of this product category.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
def models_list(category: str | None, as_json: bool) -> None:
    """List the suite's models."""
    specs = zoo.list_models(category)
    if as_json:
        _print_json([s.model_dump(mode="json") for s in specs])
        return
    rows = [(s.name, s.task, ",".join(s.categories), s.size, ",".join(s.precisions))
            for s in specs]
    click.echo(render_text(rows, ("name", "task", "categories", "size", "precisions")))


@cli.group()
def devices() -> None:
    """Device profiles: how a kind of device is benchmarked."""


@devices.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
def devices_list(as_json: bool) -> None:
    """List the built-in device profiles."""
    found = profiles.list_profiles()
    if as_json:
        _print_json([p.model_dump(mode="json") for p in found])
        return
    rows = [(p.name, p.category, str(len(p.workloads)), str(len(p.quick_workloads())),
             p.description) for p in found]
    click.echo(render_text(rows, ("name", "category", "workloads", "quick", "description")))


def _settings(quick: bool, given: dict[str, Any]) -> RunSettings:
    explicit = {k: v for k, v in given.items() if v is not None}
    return RunSettings.quick(**explicit) if quick else RunSettings(**explicit)


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a directory")


@cli.command()
@click.argument("model_refs", metavar="[MODEL]...", nargs=-1)
@click.option("--device", help="Device profile: a built-in name or a YAML file.")
@click.option("--scenario", type=click.Choice(list_scenarios()), help="How queries are issued.")
@click.option("--duration", type=click.FloatRange(min=0, min_open=True),
              help="Minimum measured seconds per model [60; --quick 10].")
@click.option("--min-queries", type=click.IntRange(min=1),
              help="Minimum measured queries per model [1024; --quick 128].")
@click.option("--max-duration", type=click.FloatRange(min=0, min_open=True),
              help="Hard limit in seconds per model [600; --quick 60].")
@click.option("--warmup", type=click.IntRange(min=0), help="Warm-up queries [10].")
@click.option("--threads", type=click.IntRange(min=1), help="Intra-op threads [runtime's].")
@click.option("--shape", "shapes", multiple=True, metavar="NAME=D1,D2,...",
              help="Fix the dynamic dims of an input (repeatable).")
@click.option("--value", "values", multiple=True, metavar="NAME=NUMBER",
              help="Feed a constant to an input, e.g. a sample rate (repeatable).")
@click.option("--seed", type=click.IntRange(min=0), help="Seed of the input generator [0].")
@click.option("--out", type=click.Path(path_type=Path),
              help="Output folder [reports/<run-id>/].")
@click.option("--quick", is_flag=True, help="MLPerf Mobile's quick run length and workloads.")
@click.option("--json", "as_json", is_flag=True, help="Print the report (no samples) as JSON.")
def run(model_refs: tuple[str, ...], device: str | None, scenario: str | None,
        duration: float | None, min_queries: int | None, max_duration: float | None,
        warmup: int | None, threads: int | None, shapes: tuple[str, ...],
        values: tuple[str, ...], seed: int | None, out: Path | None, quick: bool,
        as_json: bool) -> None:
    """Benchmark MODELs (suite names or .onnx files) and write report.json and report.md.

    With no MODEL and no --device, runs the quick suite of the profile that fits this host.
    """
    quick = quick or (not model_refs and device is None)
    settings = _settings(quick, dict(
        scenario=scenario, duration_s=duration, min_queries=min_queries,
        max_duration_s=max_duration, warmup=warmup, threads=threads, seed=seed,
        shapes=parse_shapes(shapes), values=parse_values(values)))
    if out is not None:
        _check_out(out)
    progress = LineProgress() if not as_json else SilentProgress()
    report = bench.run(model_refs, device=device, settings=settings, quick=quick,
                       progress=progress)
    paths = write_report(report, out or Path("reports") / report.run_id)
    if as_json:
        _print_json({"report": str(paths[0]), **report.model_dump(
            mode="json", exclude={"results": {"__all__": {"samples_ns", "warmup_samples_ns"}}})})
    else:
        click.echo(render_text([result_row(r) for r in report.results]))
        click.echo(f"\nreport: {paths[0]}")
    if any(r.status == "failed" for r in report.results):
        sys.exit(1)


main = cli
