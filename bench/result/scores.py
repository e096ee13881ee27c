"""Scores in the style of Geekbench AI / UL Procyon: one number per product category and
precision, relative to a committed reference report. Pure functions over values.

Method: for a report measured on a device of category C, and each precision P in it,

    score(C, P) = K x geometric mean over the reference's workloads w of
                  (reference p90 latency of w / measured p90 latency of w),   K = 1000

so the reference device scores 1000, a device twice as fast on every workload 2000. A
workload is the reference's (model, precision, scenario); it counts only when the measured
result is valid and has the same model sha256. A reference workload that is missing, failed,
invalid or of other model bytes makes the score **partial**: it is computed over the
workloads present and lists the ones left out; so does an unstable result (its fresh
processes disagree, ``--repeats N``). A measured p90 is the process-level headline when the
result was measured in several processes (``latency_ms.p90`` is then the median over
them). The geometric mean weighs every workload alike whatever its absolute latency, and
the score of a ratio is the ratio of the scores.

The reference is ``reports/baselines/reference.json``, a report of the built-in suite
measured on the machine named in its host fields (the command is in the README, "Scores");
a category is scored on the reference workloads whose manifests name it. The reference is
regenerated when the suite grows, which changes every score, so scores are only compared
across the same reference (its ``content_hash`` is part of every score).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench.resources import data_dir
from bench.result.contract import load_report
from bench.result.models import Report, RunResult

K = 1000.0


@dataclass(frozen=True)
class Score:
    category: str
    precision: str
    score: float | None  # None when no workload could be scored
    workloads: tuple[str, ...]
    missing: tuple[str, ...]  # "model (reason)"
    reference: str  # the reference report's content hash

    @property
    def partial(self) -> bool:
        return bool(self.missing)


def reference_path() -> str:
    return str(data_dir("reports") / "baselines" / "reference.json")


def load_reference(path: str | None = None) -> Report:
    from pathlib import Path

    return load_report(Path(path or reference_path()))


def _why_not(ref: RunResult, got: RunResult | None) -> str | None:
    if got is None:
        return "not measured"
    if got.model_sha256 != ref.model_sha256:
        return "different model bytes"
    if got.status != "ok" or got.latency_ms is None:
        return "failed"
    if not got.valid:
        return "invalid"
    if got.stability is not None and got.stability.verdict == "unstable":
        return "unstable"
    return None


def score_report(report: Report, reference: Report,
                 categories: Mapping[str, Sequence[str]] | None = None) -> list[Score]:
    """One score per precision found in the reference, for the report's device category.

    ``categories`` maps a suite model to the product categories its manifest names; a
    reference workload whose model is not for the report's category is not part of that
    category's score (a model missing from the map counts for every category)."""
    measured = {(r.model, r.precision, r.scenario): r for r in report.results}
    category = report.device.category
    own = [r for r in reference.results
           if categories is None or category in categories.get(r.model, (category,))]
    scores = []
    for precision in sorted({r.precision for r in own}):
        logs, names, missing = [], [], []
        for ref in (r for r in own if r.precision == precision):
            if ref.latency_ms is None or not ref.valid:
                continue  # a reference workload that did not measure cannot be scored
            got = measured.get((ref.model, ref.precision, ref.scenario))
            reason = _why_not(ref, got)
            if reason is not None or got is None or got.latency_ms is None:
                missing.append(f"{ref.model} ({reason})")
                continue
            logs.append(math.log(ref.latency_ms.p90 / got.latency_ms.p90))
            names.append(ref.model)
        value = K * math.exp(sum(logs) / len(logs)) if logs else None
        scores.append(Score(category=report.device.category, precision=precision,
                            score=value, workloads=tuple(names), missing=tuple(missing),
                            reference=reference.content_hash or ""))
    return scores
