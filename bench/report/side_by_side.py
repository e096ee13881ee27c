"""Many reports side by side: a row per workload, a column per report (device, host, run),
each cell the headline with its interval, the ratio to the first column and a verdict
(faster / slower / unchanged / incomparable, with the reason), and the categories' scores on
top when the reports have them. Pure functions over values.

Comparability and verdicts are ``bench.result.compare``'s: the first report is the base of
every other, ``compare_reports(first, other, metric)`` pairs their results and refuses a pair
that measured something else (other model bytes, settings...), and its reason is the cell's.
The verdict's metric is the workload's headline percentile (p90 for single-stream, p99 for
multi-stream and server, p50 for rate headlines, whose samples are per-request latencies).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench.report import units
from bench.report.headline import (
    NO_SPREAD,
    Headline,
    Spread,
    headline_of,
    interval_text,
    spread_of,
)
from bench.report.notes import plain_error
from bench.result.compare import (
    Comparison,
    PairOutcome,
    Verdict,
    compare_reports,
    host_differences,
)
from bench.result.models import Report, RunResult
from bench.result.scores import Score, score_report

Key = tuple[str, str, str, int]  # model, precision, scenario, n-th such result in its report
VERDICT_WORDS = {"improved": "faster", "regressed": "slower", "unchanged": "unchanged",
                 "incomparable": "incomparable"}


@dataclass(frozen=True)
class Column:
    letter: str
    source: str  # the file it was read from
    report: Report

    @property
    def device(self) -> str:
        return self.report.device.name

    @property
    def host(self) -> str:
        h = self.report.host
        return (f"{h.cpu_model}, {h.logical_cores} cores, {units.size(h.memory_bytes)}; "
                f"onnxruntime {h.onnxruntime}")

    @property
    def heading(self) -> str:
        return f"{self.letter}: {self.device}"


@dataclass(frozen=True)
class Cell:
    result: RunResult | None
    headline: Headline | None
    spread: Spread
    kind: str  # base, faster, slower, unchanged, incomparable, missing, failed
    ratio: float | None = None  # this headline over the first column's
    verdict: Verdict | None = None
    reason: str = ""

    @property
    def value_text(self) -> str:
        if self.result is None:
            return "not in this report"
        return self.headline.text() if self.headline else "failed"

    @property
    def interval(self) -> str:
        return interval_text(self.headline, self.spread) if self.headline else ""

    @property
    def ratio_text(self) -> str:
        if self.ratio is None:
            return ""
        return f"×{self.ratio:.2f}"

    @property
    def verdict_text(self) -> str:
        """``1.67× faster``, ``slower``, ``unchanged``, ``incomparable: why``."""
        v = self.verdict
        if self.kind in ("faster", "slower") and v is not None and v.ratio > 0:
            factor = 1 / v.ratio if self.kind == "faster" else v.ratio
            return f"{factor:.2f}× {self.kind}"
        if self.kind == "incomparable":
            return f"incomparable: {self.reason}"
        return {"base": "baseline", "missing": "", "failed": plain_error(self.reason)}.get(
            self.kind, self.kind)

    @property
    def verdict_label(self) -> str:
        """The badge: ``1.67× faster``, ``unchanged``, ``incomparable``."""
        return self.verdict_text if self.kind in ("faster", "slower") else self.kind

    @property
    def explanation(self) -> str:
        """Why a cell has no verdict, in plain words."""
        return plain_error(self.reason) if self.kind == "failed" else self.reason

    @property
    def evidence(self) -> str:
        """The verdict's own numbers: the metric's ratio and its bootstrap 95% CI."""
        v = self.verdict
        if v is None:
            return ""
        return (f"{v.metric} ratio {v.ratio:.3f} (95% CI {v.ci_low:.3f}–{v.ci_high:.3f}, "
                f"n={v.n_base:,}/{v.n_new:,})")


@dataclass(frozen=True)
class Workload:
    key: Key
    headline: str  # e.g. "p90 latency"
    cells: tuple[Cell, ...]

    @property
    def title(self) -> str:
        model, precision, scenario, n = self.key
        return f"{model} · {precision} · {scenario}" + (f" (#{n + 1})" if n else "")


@dataclass(frozen=True)
class ScoreRow:
    category: str
    precision: str
    scores: tuple[Score | None, ...]  # one per column (None: not this column's category)


@dataclass(frozen=True)
class SideBySide:
    columns: tuple[Column, ...]
    workloads: tuple[Workload, ...]
    scores: tuple[ScoreRow, ...]
    threshold: float
    host_differences: tuple[tuple[str, ...], ...]  # per column: "field: first -> this"


def _keys(report: Report) -> list[tuple[Key, RunResult]]:
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for r in report.results:
        base = (r.model, r.precision, r.scenario)
        out.append(((*base, seen.get(base, 0)), r))
        seen[base] = seen.get(base, 0) + 1
    return out


def metric_of(r: RunResult, headline: Headline | None) -> str:
    """The percentile a verdict is taken on: the headline's, else the one its interval is
    of, else p90."""
    if headline is not None and not headline.rate and headline.label.startswith("p"):
        return headline.label.split()[0]
    if r.early_stopping is not None:
        return f"p{r.early_stopping.percentile:g}"
    return "p90"


def _first_cell(result: RunResult | None) -> Cell:
    if result is None:
        return Cell(None, None, NO_SPREAD, "missing")
    headline = headline_of(result)
    spread = spread_of(result, headline) if headline else NO_SPREAD
    return Cell(result, headline, spread, "base" if headline else "failed",
                reason=result.error or "")


def _cell(result: RunResult | None, base: RunResult | None, pair: PairOutcome | None) -> Cell:
    """A cell of a column after the first: ``pair`` is compare's outcome of ``base`` (the
    first column's result of this workload) against ``result``."""
    if result is None:
        return Cell(None, None, NO_SPREAD, "missing")
    headline = headline_of(result)
    spread = spread_of(result, headline) if headline else NO_SPREAD
    if base is None or pair is None:
        return Cell(result, headline, spread, "incomparable",
                    reason="not in the first report (A)")
    kind = VERDICT_WORDS[pair.kind]
    first = headline_of(base)
    ratio = (headline.value / first.value if kind != "incomparable" and headline and first
             and first.value else None)
    return Cell(result, headline, spread, kind, ratio, pair.verdict, pair.reason or "")


def _pairs(base: Report, other: Report, metrics: set[str], threshold: float,
           seed: int) -> dict[str, Comparison]:
    return {m: compare_reports(base, other, m, threshold, seed) for m in sorted(metrics)}


def _scores(columns: Sequence[Column], reference: Report | None,
            categories: Mapping[str, Sequence[str]] | None) -> tuple[ScoreRow, ...]:
    if reference is None:
        return ()
    per_column = [{(s.category, s.precision): s for s in score_report(c.report, reference,
                                                                      categories)}
                  for c in columns]
    keys = list(dict.fromkeys(k for scores in per_column for k in scores))
    rows = tuple(ScoreRow(cat, prec, tuple(s.get((cat, prec)) for s in per_column))
                 for cat, prec in keys)
    return rows if any(s and s.score is not None for row in rows for s in row.scores) else ()


def side_by_side(reports: Sequence[tuple[str, Report]], reference: Report | None = None,
                 categories: Mapping[str, Sequence[str]] | None = None,
                 threshold: float = 0.05, seed: int = 0) -> SideBySide:
    """Lay ``reports`` (source name, report) side by side, the first as every verdict's base."""

    columns = tuple(Column(chr(ord("A") + i) if i < 26 else f"R{i + 1}", source, report)
                    for i, (source, report) in enumerate(reports))
    keyed = [dict(_keys(c.report)) for c in columns]
    order = list(dict.fromkeys(k for c in columns for k, _ in _keys(c.report)))
    first = columns[0].report
    base_index = {k: i for i, (k, _) in enumerate(_keys(first))}
    metric = {k: metric_of(r, headline_of(r)) for table in keyed for k, r in table.items()}
    comparisons = [_pairs(first, c.report, set(metric.values()), threshold, seed)
                   for c in columns[1:]]
    workloads = []
    for key in order:
        base = keyed[0].get(key)
        cells = [_first_cell(base)]
        for i, table in enumerate(keyed[1:]):
            pair = (comparisons[i][metric[key]].pairs[base_index[key]]
                    if base is not None else None)
            cells.append(_cell(table.get(key), base, pair))
        label = next((c.headline.label for c in cells if c.headline), "no figure")
        workloads.append(Workload(key, label, tuple(cells)))
    differences = tuple(tuple(f"{f}: {a} → {b}" for f, a, b in host_differences(first, c.report)
                              if f not in _NOISY_DIFFERENCES) for c in columns)
    return SideBySide(columns, tuple(workloads), _scores(columns, reference, categories),
                      threshold, differences)


# Host fields that differ between any two runs and say nothing about the device.
_NOISY_DIFFERENCES = frozenset({"host.cpu_freq_mhz", "host.kernel"})
