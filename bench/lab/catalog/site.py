"""``catalog site DIR``: a static website of the catalog (Jinja2, autoescaped).

``index.html`` holds a leaderboard per category and precision: per model, its best
``TOP`` devices (ranked by p90 latency) and a link to the whole ranking, paged
``PAGE_SIZE`` devices a page under ``boards/``, so that no page grows with the catalog.
``entries/<id>.html`` is a device's page with its results and certificate, beside the
report and certificate as JSON.

Entries are read one at a time (a catalog of 20,000 is never in memory at once; only one
small row per ranking is kept), by one process per core for a whole catalog
(``write_catalog_site``), and every file is written into a temporary folder beside
``DIR``; ``index.html``, ``entries/`` and ``boards/`` then replace the old ones, so a
failure leaves the old site as it was and no partial one. Other files in ``DIR`` stay.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench._version import __version__
from bench.errors import UsageError
from bench.lab.catalog.store import Catalog, Entry, Summary
from bench.resources import data_dir
from bench.result.contract import render_json

TOP = 5  # devices per model on the index
PAGE_SIZE = 500  # devices per page of a full ranking
SITE_PARTS = ("index.html", "entries", "boards")
CHUNK = 1000  # entries a worker renders at a time


@dataclass(frozen=True)
class BoardRow:
    entry: Summary
    p90: float
    throughput: float | None


@dataclass(frozen=True)
class Ranking:
    """One model's devices on a board, best first, and the pages of the whole list."""

    model: str
    rows: list[BoardRow]
    slug: str  # boards/<slug>-<page>.html

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.rows) // PAGE_SIZE))

    def page(self, number: int) -> list[BoardRow]:
        return self.rows[(number - 1) * PAGE_SIZE: number * PAGE_SIZE]


@dataclass(frozen=True)
class Board:
    category: str
    precision: str
    models: list[Ranking]


def board_rows(entry: Entry) -> dict[tuple[str, str], BoardRow]:
    """Pure: the entry's best valid p90 per (precision, model)."""
    best: dict[tuple[str, str], BoardRow] = {}
    summary = entry.summary()
    for r in entry.report.results:
        if r.status != "ok" or r.latency_ms is None:
            continue
        key = (r.precision, r.model)
        if key not in best or r.latency_ms.p90 < best[key].p90:
            best[key] = BoardRow(summary, r.latency_ms.p90, r.throughput_per_s)
    return best


def leaderboards(entries: Iterable[Entry]) -> list[Board]:
    """Pure: per (category, precision), per model, the entries ranked by their best valid
    p90 latency."""
    cells: dict[tuple[str, str], dict[str, list[BoardRow]]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        for (precision, model), row in board_rows(entry).items():
            cells[(entry.category, precision)][model].append(row)
    return _boards(cells)


def _boards(cells: dict[tuple[str, str], dict[str, list[BoardRow]]]) -> list[Board]:
    boards = []
    for number, ((category, precision), models) in enumerate(sorted(cells.items())):
        boards.append(Board(category, precision, [
            Ranking(model, sorted(rows, key=lambda row: (row.p90, row.entry.id)),
                    f"{number}-{m}") for m, (model, rows) in enumerate(sorted(models.items()))]))
    return boards


def _environment() -> Any:
    try:
        import jinja2
    except ImportError:
        raise UsageError("the catalog site needs the 'jinja2' package: "
                         "pip install 'edgebench[lab]'") from None
    folder = data_dir("reports") / "templates" / "catalog"
    return jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=True,
                              undefined=jinja2.StrictUndefined)


Placed = list[tuple[str, str, str, BoardRow]]  # category, precision, model, row


def render_entries(entries: Iterable[Entry], folder: Path,
                   common: dict[str, str]) -> tuple[int, Placed]:
    """Each entry's page, report and certificate, written into ``folder/entries`` as it is
    rendered; returns how many, and their rows for the rankings."""
    page = _environment().get_template("entry.html.j2")
    (folder / "entries").mkdir(exist_ok=True)
    placed: Placed = []
    count = 0
    for entry in entries:
        count += 1
        placed += [(entry.category, precision, model, row)
                   for (precision, model), row in board_rows(entry).items()]
        stem = folder / "entries" / str(entry.id)
        stem.with_suffix(".html").write_text(page.render(
            entry=entry, report=entry.report, cert=entry.certificate, root="../", **common))
        stem.with_suffix(".report.json").write_bytes(
            entry.report_file or render_json(entry.report, validate=False))
        stem.with_suffix(".certificate.json").write_text(
            entry.certificate.model_dump_json(indent=2) + "\n")
    return count, placed


def render_boards(count: int, placed: Placed, folder: Path, common: dict[str, str]) -> None:
    """The paged rankings and the index."""
    cells: dict[tuple[str, str], dict[str, list[BoardRow]]] = defaultdict(lambda: defaultdict(list))
    for category, precision, model, row in placed:
        cells[(category, precision)][model].append(row)
    boards = _boards(cells)
    env = _environment()
    ranking = env.get_template("board.html.j2")
    (folder / "boards").mkdir()
    for board in boards:
        for model in board.models:
            for number in range(1, model.pages + 1):
                (folder / "boards" / f"{model.slug}-{number}.html").write_text(ranking.render(
                    board=board, ranking=model, number=number, rows=model.page(number),
                    page_size=PAGE_SIZE, root="../", **common))
    (folder / "index.html").write_text(env.get_template("index.html.j2").render(
        count=count, boards=boards, top=TOP, root="", **common))


def write_site(entries: Iterable[Entry], out_dir: Path) -> Path:
    """The site of ``entries`` (any iterable: a catalog's ``stream()``), in this process."""
    def render(staging: Path, common: dict[str, str]) -> None:
        render_boards(*render_entries(entries, staging, common), staging, common)

    return _publish(out_dir, render)


def write_catalog_site(catalog: Path, out_dir: Path, jobs: int | None = None) -> Path:
    """The site of a whole catalog, its entry pages rendered by ``jobs`` processes (one
    per core by default), each reading its own range of entries from the database."""
    with Catalog.open(catalog) as cat:
        ids = cat.ids()
    jobs = max(1, min(jobs or _cores(), -(-len(ids) // CHUNK)))
    chunks = [(ids[i], ids[min(i + CHUNK, len(ids)) - 1]) for i in range(0, len(ids), CHUNK)]

    def render(staging: Path, common: dict[str, str]) -> None:
        work = [(catalog, staging, common, first, last) for first, last in chunks]
        if jobs == 1:
            done = [_render_range(job) for job in work]
        else:  # fork: a spawned worker would import the whole command line again
            context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
            with context.Pool(jobs) as pool:
                done = pool.map(_render_range, work)
        render_boards(sum(n for n, _ in done), [row for _, rows in done for row in rows],
                      staging, common)

    return _publish(out_dir, render)


def _render_range(job: tuple[Path, Path, dict[str, str], int, int]) -> tuple[int, Placed]:
    catalog, staging, common, first, last = job
    with Catalog.open(catalog) as cat:
        return render_entries(cat.stream(ids=(first, last)), staging, common)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def _publish(out_dir: Path, render: Callable[[Path, dict[str, str]], None]) -> Path:
    """Render into a staging folder beside ``out_dir``, then swap its parts in."""
    if not out_dir.parent.is_dir():
        raise UsageError(f"{out_dir}: folder {out_dir.parent} does not exist")
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: exists and is not a directory")
    now = datetime.now(timezone.utc)
    common = {"version": __version__, "generated_at": now.isoformat(timespec="seconds")}
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        render(staging, common)
        out_dir.mkdir(exist_ok=True)
        for part in SITE_PARTS:  # each part replaced whole: no page of an old site remains
            old = out_dir / part
            if old.exists():
                os.replace(old, staging / f".old-{part}")
            os.replace(staging / part, old)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir / "index.html"
