"""``catalog site DIR``: a static website of the catalog (Jinja2, autoescaped).

``index.html`` holds a leaderboard per category and precision: per model, its best
``TOP`` devices (ranked by p90 latency) and a link to the whole ranking, paged
``PAGE_SIZE`` devices a page under ``boards/``, so that no page grows with the catalog.
``entries/<id>.html`` is a device's page with its results and certificate, beside the
report and certificate as JSON.

Entries are read one at a time (a catalog of 20,000 is never in memory at once; only one
small row per ranking is kept) and every file is written into a temporary folder beside
``DIR``; ``index.html``, ``entries/`` and ``boards/`` then replace the old ones, so a
failure leaves the old site as it was and no partial one. Other files in ``DIR`` stay.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench._version import __version__
from bench.errors import UsageError
from bench.lab.catalog.store import Entry, Summary
from bench.resources import data_dir
from bench.result.contract import render_json

TOP = 5  # devices per model on the index
PAGE_SIZE = 500  # devices per page of a full ranking
SITE_PARTS = ("index.html", "entries", "boards")


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


def render_into(entries: Iterable[Entry], folder: Path, now: datetime) -> None:
    """Every page of the site, written into ``folder`` as it is rendered."""
    env = _environment()
    common = {"version": __version__, "generated_at": now.isoformat(timespec="seconds")}
    page = env.get_template("entry.html.j2")
    (folder / "entries").mkdir()
    (folder / "boards").mkdir()
    cells: dict[tuple[str, str], dict[str, list[BoardRow]]] = defaultdict(lambda: defaultdict(list))
    count = 0
    for entry in entries:
        count += 1
        for (precision, model), row in board_rows(entry).items():
            cells[(entry.category, precision)][model].append(row)
        stem = folder / "entries" / str(entry.id)
        stem.with_suffix(".html").write_text(page.render(
            entry=entry, report=entry.report, cert=entry.certificate, root="../", **common))
        stem.with_suffix(".report.json").write_bytes(render_json(entry.report, validate=False))
        stem.with_suffix(".certificate.json").write_text(
            entry.certificate.model_dump_json(indent=2) + "\n")
    boards = _boards(cells)
    ranking = env.get_template("board.html.j2")
    for board in boards:
        for model in board.models:
            for number in range(1, model.pages + 1):
                (folder / "boards" / f"{model.slug}-{number}.html").write_text(ranking.render(
                    board=board, ranking=model, number=number, rows=model.page(number),
                    page_size=PAGE_SIZE, root="../", **common))
    (folder / "index.html").write_text(env.get_template("index.html.j2").render(
        count=count, boards=boards, top=TOP, root="", **common))


def write_site(entries: Iterable[Entry], out_dir: Path) -> Path:
    if not out_dir.parent.is_dir():
        raise UsageError(f"{out_dir}: folder {out_dir.parent} does not exist")
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: exists and is not a directory")
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        render_into(entries, staging, datetime.now(timezone.utc))
        out_dir.mkdir(exist_ok=True)
        for part in SITE_PARTS:  # each part replaced whole: no page of an old site remains
            old = out_dir / part
            if old.exists():
                os.replace(old, staging / f".old-{part}")
            os.replace(staging / part, old)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir / "index.html"
