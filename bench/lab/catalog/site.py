"""``catalog site DIR``: a static website of the catalog (Jinja2, autoescaped).

``index.html`` holds a leaderboard per category and precision (one table per model, ranked
by p90 latency); ``entries/<id>.html`` is a device's page with its results and certificate,
beside the report and certificate as JSON. Every page is rendered before any is written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench._version import __version__
from bench.errors import UsageError
from bench.files import write_atomic
from bench.lab.catalog.store import Entry
from bench.resources import data_dir
from bench.result.contract import render_json


@dataclass(frozen=True)
class BoardRow:
    entry: Entry
    p90: float
    throughput: float | None


@dataclass(frozen=True)
class Board:
    category: str
    precision: str
    models: list[tuple[str, list[BoardRow]]]


def leaderboards(entries: list[Entry]) -> list[Board]:
    """Pure: per (category, precision), per model, the entries ranked by their best valid
    p90 latency."""
    cells: dict[tuple[str, str], dict[str, list[BoardRow]]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        best: dict[tuple[str, str], BoardRow] = {}
        for r in entry.report.results:
            if r.status != "ok" or r.latency_ms is None:
                continue
            key = (r.precision, r.model)
            if key not in best or r.latency_ms.p90 < best[key].p90:
                best[key] = BoardRow(entry, r.latency_ms.p90, r.throughput_per_s)
        for (precision, model), row in best.items():
            cells[(entry.category, precision)][model].append(row)
    return [Board(category, precision,
                  [(m, sorted(rows, key=lambda row: row.p90))
                   for m, rows in sorted(models.items())])
            for (category, precision), models in sorted(cells.items())]


def _environment() -> Any:
    try:
        import jinja2
    except ImportError:
        raise UsageError("the catalog site needs the 'jinja2' package: "
                         "pip install 'edgebench[lab]'") from None
    folder = data_dir("reports") / "templates" / "catalog"
    return jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=True,
                              undefined=jinja2.StrictUndefined)


def render_site(entries: list[Entry], now: datetime) -> dict[str, bytes]:
    """Pure apart from reading the templates: relative path -> file content."""
    env = _environment()
    common = {"version": __version__, "generated_at": now.isoformat(timespec="seconds")}
    files = {"index.html": env.get_template("index.html.j2").render(
        entries=entries, boards=leaderboards(entries), root="", **common).encode()}
    page = env.get_template("entry.html.j2")
    for entry in entries:
        files[f"entries/{entry.id}.html"] = page.render(
            entry=entry, report=entry.report, cert=entry.certificate, root="../",
            **common).encode()
        files[f"entries/{entry.id}.report.json"] = render_json(entry.report)
        files[f"entries/{entry.id}.certificate.json"] = (
            entry.certificate.model_dump_json(indent=2) + "\n").encode()
    return files


def write_site(entries: list[Entry], out_dir: Path) -> Path:
    if not out_dir.parent.is_dir():
        raise UsageError(f"{out_dir}: folder {out_dir.parent} does not exist")
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: exists and is not a directory")
    files = render_site(entries, datetime.now(timezone.utc))
    for name, data in files.items():
        write_atomic(out_dir / name, data)
    return out_dir / "index.html"
