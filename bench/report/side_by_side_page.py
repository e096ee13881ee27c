"""The side-by-side page of several saved reports, as Markdown or self-contained HTML:
``edgebench report A.json B.json C.json --format html|md``. Every file is read and
validated before anything is rendered, and the page is written atomically, so bad input
(no file, a folder, a JSON file that is not a report) is one line naming the file, and
nothing is written."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from bench.errors import UsageError
from bench.files import write_atomic
from bench.report import units
from bench.report.charts import Chart, Row, dot_chart
from bench.report.escape import markdown as _md
from bench.report.side_by_side import Cell, SideBySide, Workload, side_by_side
from bench.result.contract import load_report
from bench.result.models import Report
from bench.result.scores import Score

FILENAMES = {"html": "side-by-side.html", "md": "side-by-side.md"}
LEGEND = ("Each cell is the headline of that report's result, with its interval (95% CI "
          "within one process unless it says otherwise) and its ratio to column A. The verdict "
          "is `edgebench compare`'s, with A as the base: a seeded block-bootstrap 95% CI of the "
          "ratio of the workload's headline percentile; faster or slower only when the whole "
          "interval is beyond the {threshold} threshold. Results that measured something else "
          "(other model bytes, input shapes or settings) are incomparable, with the reason.")


def check_paths(paths: Sequence[Path]) -> None:
    """No file, or a folder where a report belongs: one line naming it."""
    if not paths:
        raise UsageError("report: give a REPORT.json (or several, for a side-by-side page)")
    for path in paths:
        if path.is_dir():
            inside = path / "report.json"
            hint = f"; did you mean {inside}?" if inside.is_file() else ""
            raise UsageError(f"{path}: is a folder, not a report.json{hint}")


def load_reports(paths: Sequence[Path]) -> list[tuple[str, Report]]:
    """Read and validate every report first; the first bad one is one line naming it."""
    check_paths(paths)
    return [(str(path), load_report(path)) for path in paths]


def _cell_md(cell: Cell) -> str:
    if cell.result is None:
        return "not in this report"
    parts = [f"**{cell.value_text}**"]
    if cell.headline:
        parts.append(f"({cell.interval})")
    if cell.ratio_text:
        parts.append(f"{cell.ratio_text} of A")
    if cell.kind in ("faster", "slower"):
        parts.append(f"**{cell.verdict_text}**")
    elif cell.kind in ("incomparable", "failed"):
        parts.append(f"{cell.kind}: {cell.explanation}" if cell.kind == "incomparable"
                     else cell.explanation)
    elif cell.kind == "unchanged":
        parts.append("unchanged")
    return " ".join(parts)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers),
            *("| " + " | ".join(row) + " |" for row in rows)]


def _score_text(score: Score | None) -> str:
    if score is None:
        return "-"
    value = f"{score.score:,.0f}" if score.score is not None else "no score"
    return value + (f" (partial: {units.joined(list(score.missing))} left out)"
                    if score.partial else "")


def render_markdown(page: SideBySide) -> str:
    cols = page.columns
    lines = [f"# edgebench: {len(cols)} reports side by side", "",
             *_table(["", "device", "host", "run", "created", "file"],
                     [[f"**{c.letter}**", _md(f"{c.device} ({c.report.device.category})"),
                       _md(c.host), _md(c.report.run_id), c.report.created_at, _md(c.source)]
                      for c in cols])]
    for column, differences in zip(cols[1:], page.host_differences[1:]):
        if differences:
            lines += ["", f"{column.letter} differs from A in: "
                          + _md("; ".join(differences))]
    if page.scores:
        lines += ["", "## Scores", "",
                  "1000 is the reference device; a device twice as fast on every workload "
                  "scores 2000 (`edgebench score`).", "",
                  *_table(["category · precision", *(c.letter for c in cols)],
                          [[f"{r.category} · {r.precision}",
                            *(_md(_score_text(s)) for s in r.scores)] for r in page.scores])]
    lines += ["", "## Results", "", LEGEND.format(threshold=f"{page.threshold:.0%}"), "",
              *_table(["workload", *(c.letter for c in cols)],
                      [[_md(f"{w.title} ({w.headline})"), *(_md(_cell_md(c)) for c in w.cells)]
                       for w in page.workloads]), ""]
    return "\n".join(lines)


def _chart(page: SideBySide, w: Workload) -> Chart | None:
    present = [(col, cell) for col, cell in zip(page.columns, w.cells) if cell.headline]
    if len(present) < 2 or len({cell.headline.rate for _, cell in present}) > 1:
        return None
    rows = [Row(label=col.heading, value=cell.headline.value, low=cell.spread.low,
                high=cell.spread.high, dots=cell.spread.per_process,
                value_text=cell.headline.text(),
                flags=((cell.kind,) if cell.kind in ("faster", "slower", "incomparable")
                       else ()) + (("unstable",) if cell.spread.unstable else ()))
            for col, cell in present]
    first = w.cells[0].headline
    return dot_chart("", rows, present[0][1].headline.rate,
                     reference=first.value if first else None, ticks=3)


def render_html(page: SideBySide) -> str:
    from bench.report.html import environment

    return environment().get_template("side_by_side.html.j2").render(
        page=page, legend=LEGEND.format(threshold=f"{page.threshold:.0%}").replace("`", ""),
        charts=[_chart(page, w) for w in page.workloads], score_text=_score_text)


RENDERERS: dict[str, Callable[[SideBySide], str]] = {"md": render_markdown, "html": render_html}


def render_files(paths: Sequence[Path], fmt: str, output: Path | None = None,
                 reference: Path | None = None, threshold: float = 0.05) -> bytes:
    """Read every report (and the reference, for scores), lay them side by side, render as
    ``fmt`` and write atomically to ``output`` when given (a folder gets side-by-side.FMT)."""
    if fmt not in RENDERERS:
        raise UsageError(f"--format {fmt}: a side-by-side page of several reports is "
                         f"{' or '.join(sorted(RENDERERS))}")
    reports = load_reports(paths)
    ref, categories = _reference(reference)
    data = RENDERERS[fmt](side_by_side(reports, ref, categories, threshold)).encode()
    if output is not None:
        write_atomic(output / FILENAMES[fmt] if output.is_dir() else output, data)
    return data


def _reference(path: Path | None) -> tuple[Report | None, dict[str, list[str]] | None]:
    """The reference report for scores (the committed one unless given) and the suite's
    categories per model."""
    from bench import zoo
    from bench.result.scores import load_reference

    categories = {spec.name: list(spec.categories) for spec in zoo.list_models()}
    return load_reference(str(path) if path else None), categories
