"""Comparing saved reports: load both, compare, and render the outcome as a terminal table,
Markdown (for pull-request comments) or JSON (for machines)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from bench.report.escape import markdown
from bench.report.table import render_text
from bench.result.compare import Comparison, PairOutcome, compare_reports
from bench.result.contract import load_report


def compare_files(base: Path, new: Path, metric: str = "p90", threshold: float = 0.05,
                  seed: int = 0) -> Comparison:
    """Load and validate two saved reports and compare them."""
    return compare_reports(load_report(base), load_report(new), metric, threshold, seed)


HEADERS = ("model", "precision", "scenario", "verdict", "base ms", "new ms", "ratio",
           "95% CI", "detail")


def _row(pair: PairOutcome) -> tuple[str, ...]:
    v = pair.verdict
    if v is None:
        return (pair.model, pair.precision, pair.scenario, pair.kind, "-", "-", "-", "-",
                pair.reason or "")
    change = f"{(v.ratio - 1) * 100:+.1f}%"
    return (pair.model, pair.precision, pair.scenario, pair.kind, f"{v.base_ms:.4f}",
            f"{v.new_ms:.4f}", f"{v.ratio:.3f} ({change})",
            f"[{v.ci_low:.3f}, {v.ci_high:.3f}]",
            f"n={v.n_base}/{v.n_new} {v.units}" + (f"; {pair.reason}" if pair.reason else ""))


def _summary(c: Comparison) -> str:
    counts = ", ".join(f"{n} {k}" for k, n in c.counts().items())
    return (f"{c.metric}, threshold {c.threshold * 100:g}%, 95% CI of new/base (processes "
            f"as units where both runs have them, else a block bootstrap): {counts}")


def render_table(c: Comparison) -> str:
    lines = [render_text([_row(p) for p in c.pairs], HEADERS), "", _summary(c)]
    if c.host_differences:
        lines += ["", "host differences (base -> new):"]
        lines += [f"  {field}: {old} -> {new}" for field, old, new in c.host_differences]
    return "\n".join(lines) + "\n"



def render_markdown(c: Comparison) -> str:
    lines = ["## edgebench compare", "", _summary(c), "",
             "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(markdown(cell) for cell in _row(p)) + " |" for p in c.pairs]
    if c.host_differences:
        lines += ["", "Host differences (base -> new):", ""]
        lines += [f"- `{field}`: {markdown(old)} -> {markdown(new)}"
                  for field, old, new in c.host_differences]
    return "\n".join(lines) + "\n"


def render_json(c: Comparison) -> str:
    data = {
        "metric": c.metric, "threshold": c.threshold, "counts": c.counts(),
        "pairs": [asdict(p) for p in c.pairs],
        "host_differences": [{"field": f, "base": b, "new": n}
                             for f, b, n in c.host_differences],
    }
    return json.dumps(data, indent=2) + "\n"


VIEWS: dict[str, Callable[[Comparison], str]] = {
    "table": render_table, "md": render_markdown, "json": render_json,
}
