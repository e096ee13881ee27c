"""Writers of reports: each renders a ``Report`` to bytes; only ``write_report`` touches
files. Writers register by name with :func:`register_writer`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.errors import UsageError
from bench.files import write_atomic
from bench.report.contract import load_report, seal
from bench.result import Report

Render = Callable[[Report], bytes]


@dataclass(frozen=True)
class Writer:
    name: str
    filename: str
    render: Render


_WRITERS: dict[str, Writer] = {}


def register_writer(name: str, filename: str) -> Callable[[Render], Render]:
    def decorate(render: Render) -> Render:
        if name in _WRITERS:
            raise ValueError(f"writer {name!r} is already registered")
        _WRITERS[name] = Writer(name, filename, render)
        return render

    return decorate


def get_writer(name: str) -> Writer:
    try:
        return _WRITERS[name]
    except KeyError:
        raise UsageError(f"unknown report format {name!r}; choose from "
                         f"{', '.join(sorted(_WRITERS))}") from None


def list_writers() -> list[str]:
    return sorted(_WRITERS)


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


# Writer modules register themselves on import; list them here, explicitly.
from bench.report import (  # noqa: E402,F401
    csv_report, json_report, junit, markdown, pytest_benchmark,
)
