"""``edgebench run``: benchmark models or a device profile's workloads."""

from __future__ import annotations

import contextlib
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

import bench
from bench.cli.base import print_json
from bench.cli.run_options import build_settings, engine_options
from bench.device import session
from bench.errors import RunError, WriteError
from bench.files import check_output, fallback_dirs, report_bytes
from bench.measure.progress import LineProgress, SilentProgress
from bench.measure.run import new_run_id
from bench.measure.scenarios import list_scenarios
from bench.report import write_report
from bench.report.llm_server import summary_lines
from bench.report.llm_table import render_llm_table
from bench.report.table import render_text, result_row
from bench.result.models import Report
from bench.spec import RunSettings, parse_dims, parse_shapes, parse_values
from bench.spec.profiles import detect_profile, load_profile
from bench.zoo.genai_folder import is_genai_folder


def _settings(quick: bool, given: dict[str, Any]) -> RunSettings:
    return build_settings(quick, given)


def _output_bytes(model_refs: tuple[str, ...], device: str | None, quick: bool,
                  settings: RunSettings) -> int:
    """What the run writes, at least: a result per model or per profile workload."""
    if model_refs:
        count = len(model_refs)
    else:
        profile, _ = load_profile(device or detect_profile())
        count = len(profile.quick_workloads() if quick else profile.workloads)
    return report_bytes(count, settings.min_queries + settings.warmup)


def _write(report: Report, out: Path) -> tuple[list[Path], str | None]:
    """Write the report into ``out``; when that fails (the disk filled during the run), the
    measurement is kept elsewhere, or printed as JSON: never lost. Returns the paths and
    what went wrong."""
    created = not out.exists()
    try:
        return write_report(report, out), None
    except WriteError as exc:
        failed = str(exc)
    if created:  # the folder this write made, empty: gone again
        with contextlib.suppress(OSError):
            out.rmdir()
    for folder in fallback_dirs(f"edgebench-{report.run_id}"):
        try:
            paths = write_report(report, folder)
        except WriteError:
            continue
        return paths, f"{failed}; the report was kept in {paths[0]} instead"
    print_json(report.model_dump(mode="json"))
    return [], f"{failed}; no folder could take it, so the report was printed above as JSON"


@click.command()
@click.argument("model_refs", metavar="[MODEL]...", nargs=-1)
@click.option("--device", help="Device profile: a built-in name or a YAML file.")
@click.option("--scenario", metavar="NAME",
              help=f"How queries are issued: {', '.join(list_scenarios())} [single-stream].")
@click.option("--duration", type=float,
              help="Minimum measured seconds per model, split across its processes [10].")
@click.option("--min-queries", type=int,
              help="Minimum measured queries per model [1024; --quick 128].")
@click.option("--max-duration", type=float,
              help="Hard limit in seconds per model, split likewise [600; --quick 60].")
@click.option("--warmup", type=click.IntRange(min=0), help="Warm-up queries [10].")
@click.option("--threads", metavar="N|auto",
              help="Intra-op threads, or 'auto': a short trial in fresh processes picks "
                   "the steadiest [the profile's; host: auto].")
@click.option("--repeats", metavar="N",
              help="Fresh worker processes the run is split across, one after another; "
                   "1 measures in this process [5].")
@click.option("--shape", "shapes", multiple=True, metavar="[MODEL:]INPUT=D1,D2,...",
              help="Give an input's whole shape (repeatable; MODEL: scopes it to one model).")
@click.option("--dim", "dims", multiple=True, metavar="[MODEL:]NAME=SIZE",
              help="Bind a named dynamic dim across all inputs (repeatable).")
@click.option("--value", "values", multiple=True, metavar="NAME=NUMBER",
              help="Feed a constant to an input, e.g. a sample rate (repeatable).")
@click.option("--custom-ops", "custom_ops", multiple=True, metavar="LIB",
              help="A shared library of custom operators the models need (repeatable).")
@click.option("--verbose", is_flag=True,
              help="Also show onnxruntime's own log lines (the report keeps them anyway).")
@click.option("--seed", type=click.IntRange(min=0), help="Seed of the input generator [0].")
@click.option("--precision", type=click.Choice(["fp32", "fp16", "int8", "int4"]),
              help="Precision variant of suite models (built once, cached) [fp32].")
@click.option("--out", type=click.Path(path_type=Path),
              help="Output folder [reports/<run-id>/].")
@click.option("--quick", is_flag=True, help="MLPerf Mobile's quick run length and workloads.")
@click.option("--json", "as_json", is_flag=True, help="Print the report (no samples) as JSON.")
@click.option("--emulate", is_flag=True,
              help="Emulate the --device profile here: pin to its cores, cap memory and "
                   "threads; the report says 'emulated'.")
@engine_options
def run(model_refs: tuple[str, ...], device: str | None, scenario: str | None,
        duration: float | None, min_queries: int | None, max_duration: float | None,
        warmup: int | None, threads: str | None, repeats: str | None,
        shapes: tuple[str, ...],
        values: tuple[str, ...], seed: int | None, out: Path | None, quick: bool,
        as_json: bool, emulate: bool = False, precision: str | None = None,
        dims: tuple[str, ...] = (), custom_ops: tuple[str, ...] = (), verbose: bool = False,
        **engine: Any) -> None:
    """Benchmark MODELs (suite names or .onnx files) and write report.json and report.md.

    With no MODEL and no --device, runs the quick suite of the profile that fits this host.
    """
    quick = quick or (not model_refs and device is None)
    if scenario is None and model_refs and all(map(is_genai_folder, model_refs)):
        scenario = "token-generation"  # what an ONNX Runtime GenAI folder is for
    settings = _settings(quick, dict(
        scenario=scenario, duration_s=duration, min_queries=min_queries,
        max_duration_s=max_duration, warmup=warmup, threads=threads, repeats=repeats,
        seed=seed,
        shapes=parse_shapes(shapes), values=parse_values(values), precision=precision,
        dims=parse_dims(dims), custom_ops=custom_ops or None, **engine))
    session.set_verbose(verbose)
    run_id = new_run_id(datetime.now(timezone.utc))
    out = out or Path("reports") / run_id
    check_output(out, "--out", _output_bytes(model_refs, device, quick, settings), folder=True)
    progress = LineProgress() if not as_json else SilentProgress()
    report = bench.run(model_refs, device=device, settings=settings, quick=quick,
                       progress=progress, emulate=emulate, run_id=run_id, artifacts=out)
    paths, failed = _write(report, out)
    if not paths:
        raise RunError(failed)
    if as_json:
        print_json({"report": str(paths[0]), **report.model_dump(
            mode="json", exclude={"results": {"__all__": {"samples_ns", "warmup_samples_ns"}}})})
    else:
        click.echo(render_text([result_row(r) for r in report.results]))
        for line in summary_lines(report.results):
            click.echo(line)
        llm = render_llm_table(report.results)  # llama-bench's pp/tg t/s ± sd
        if llm:
            click.echo("\n" + llm)
        click.echo(f"\nreport: {paths[0]}")
    if failed:
        raise RunError(failed)
    if any(r.status == "failed" for r in report.results):
        sys.exit(1)

