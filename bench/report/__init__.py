"""Writers of reports: each renders a ``Report`` to bytes; only ``write_report`` touches
files. Writers register by name in :mod:`bench.report.registry`; importing this package
registers the built-in ones (listed here, explicitly)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bench.files import write_atomic
from bench.report import (  # noqa: F401  (each registers its writer)
    csv_report,
    html,
    json_report,
    junit,
    markdown,
    pytest_benchmark,
)
from bench.report.registry import get_writer, list_writers, register_writer
from bench.result.contract import load_report, seal
from bench.result.models import Report

__all__ = ["get_writer", "list_writers", "register_writer", "rerender", "write_report"]

DEFAULT_FORMATS = ("json", "md")


def write_report(report: Report, out_dir: str | Path,
                 formats: Sequence[str] = DEFAULT_FORMATS) -> list[Path]:
    """Seal the report (fill its content hash), render every format first, then write each
    file atomically into ``out_dir``."""
    writers = [get_writer(name) for name in formats]
    report = seal(report)
    rendered = [(w, w.render(report)) for w in writers]
    out = Path(out_dir)
    paths = []
    for writer, data in rendered:
        path = out / writer.filename
        write_atomic(path, data)
        paths.append(path)
    return paths


def rerender(report_path: Path, fmt: str, output: Path | None = None) -> bytes:
    """Render a saved report (validated on read) as ``fmt``; write it atomically to
    ``output`` when given. Nothing is re-run."""
    writer = get_writer(fmt)
    data = writer.render(seal(load_report(report_path)))
    if output is not None:
        write_atomic(output, data)
    return data

