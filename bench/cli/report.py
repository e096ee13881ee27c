"""``edgebench report``: re-render a saved report.json without re-running anything, or lay
several side by side."""

from __future__ import annotations

from pathlib import Path

import click

from bench.files import check_output, file_size
from bench.report import get_writer, list_writers, rerender
from bench.report.side_by_side_page import check_paths, render_files


@click.command()
@click.argument("report_paths", metavar="REPORT.json...", nargs=-1,
                type=click.Path(path_type=Path))
@click.option("--format", "fmt", default="md", show_default=True, metavar="FORMAT",
              help=f"One of: {', '.join(list_writers())}; html or md for several reports.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write here instead of stdout (a folder gets the format's file name).")
@click.option("--reference", type=click.Path(path_type=Path),
              help="Several reports: the reference report their scores are relative to "
                   "[reports/baselines/reference.json].")
def report(report_paths: tuple[Path, ...], fmt: str, output: Path | None,
           reference: Path | None) -> None:
    """Re-render a saved REPORT.json as html, md, csv, junit or pytest-benchmark; with
    several, one side-by-side page (html or md): a row per workload, a column per report,
    each cell the headline, its interval, its ratio to the first and compare's verdict.

    \b
    Every report is validated (schema version, fields, content hash) before rendering.
      edgebench report reports/<run-id>/report.json --format html -o report.html
      edgebench report report.json --format junit > junit.xml
      edgebench report phone.json pc.json board.json --format html -o side-by-side.html
    """
    if len(report_paths) > 1 or reference is not None:
        if output is not None and not output.is_dir():
            check_paths(report_paths)
            check_output(output, "-o", sum(file_size(p) for p in report_paths) + (64 << 10))
        data = render_files(list(report_paths), fmt, output, reference)
    else:
        get_writer(fmt)  # an unknown format is bad input before the file is read
        check_paths(report_paths)
        if output is not None and output.is_dir():
            output = output / get_writer(fmt).filename
        if output is not None:  # a rendering is about the size of the report, html twice that
            check_output(output, "-o", 2 * file_size(report_paths[0]) + (64 << 10))
        data = rerender(report_paths[0], fmt, output)
    if output is None:
        click.echo(data.decode(), nl=False)
