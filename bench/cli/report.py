"""``edgebench report``: re-render a saved report.json without re-running anything."""

from __future__ import annotations

from pathlib import Path

import click

from bench.files import check_output, file_size
from bench.report import get_writer, list_writers, rerender


@click.command()
@click.argument("report_path", metavar="REPORT.json", type=click.Path(path_type=Path))
@click.option("--format", "fmt", default="md", show_default=True, metavar="FORMAT",
              help=f"One of: {', '.join(list_writers())}.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write here instead of stdout (a folder gets the format's file name).")
def report(report_path: Path, fmt: str, output: Path | None) -> None:
    """Re-render a saved REPORT.json as html, md, csv, junit or pytest-benchmark.

    \b
    The report is validated (schema version, fields, content hash) before rendering.
      edgebench report reports/<run-id>/report.json --format html -o report.html
      edgebench report report.json --format junit > junit.xml
    """
    get_writer(fmt)  # an unknown format is bad input before the file is read
    if output is not None and output.is_dir():
        output = output / get_writer(fmt).filename
    if output is not None:  # a rendering is about the size of the report, html twice that
        check_output(output, "-o", 2 * file_size(report_path) + (64 << 10))
    data = rerender(report_path, fmt, output)
    if output is None:
        click.echo(data.decode(), nl=False)
