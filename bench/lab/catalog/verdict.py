"""Judging a report against criteria: pure functions over values, no I/O.

A ``<=`` criterion passes when the worst matching value (the largest) is at most the
threshold; its margin is ``threshold - value`` (positive: headroom). A ``>=`` criterion
judges the smallest value; its margin is ``value - threshold``.

When the metric is a result's headline and the result states an interval for it
(``RunResult.interval``: where a re-run's headline falls), the value judged is the
interval's unfavourable bound (the upper one for ``<=``, the lower for ``>=``), so a
verdict does not flip on which level a re-run lands on. An unstable result (its processes
disagree) is not certified (validity rule ``allow_unstable: false``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.errors import UsageError
from bench.lab.catalog.metrics import METRICS, convert
from bench.result.models import Report, RunResult
from bench.spec.criteria import CriteriaSpec, Criterion, Tier, ValidityRules

_PASSES = {"<=": lambda v, t: v <= t, "<": lambda v, t: v < t,
           ">=": lambda v, t: v >= t, ">": lambda v, t: v > t}


@dataclass(frozen=True)
class Line:
    """One judged criterion or validity rule."""

    label: str
    passed: bool
    value: float | None = None
    threshold: float | None = None
    unit: str | None = None
    margin: float | None = None
    margin_pct: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class Evaluation:
    tier: str
    passed: bool
    lines: tuple[Line, ...]


def describe(criterion: Criterion) -> str:
    what = " ".join(p for p in (criterion.model, criterion.precision, criterion.scenario) if p)
    unit = criterion.unit or METRICS[criterion.metric].unit
    return (f"{what or 'every result'}: {criterion.metric} {criterion.op} "
            f"{criterion.threshold:g} {unit}")


def _matches(result: RunResult, criterion: Criterion) -> bool:
    return all(want is None or want == got for want, got in (
        (criterion.model, result.model), (criterion.precision, result.precision),
        (criterion.scenario, result.scenario)))


def judge(report: Report, criterion: Criterion) -> Line:
    metric = METRICS[criterion.metric]
    unit = criterion.unit or metric.unit
    label = describe(criterion)
    results = [r for r in report.results if _matches(r, criterion)]
    if not results:
        return Line(label, False, threshold=criterion.threshold, unit=unit,
                    detail="no matching result in the report")
    lower_is_better = criterion.op in ("<=", "<")
    judged = [_judged(r, metric.path, metric.read(r), lower_is_better) for r in results]
    values = [v for v, _ in judged]
    if any(v is None for v in values):
        return Line(label, False, threshold=criterion.threshold, unit=unit,
                    detail=f"{values.count(None)} matching result(s) have no {metric.name}")
    shown = [convert(v, metric.unit, unit) for v in values if v is not None]
    worst = max(shown) if lower_is_better else min(shown)
    margin = criterion.threshold - worst if lower_is_better else worst - criterion.threshold
    pct = 100.0 * margin / abs(criterion.threshold) if criterion.threshold else None
    details = [f"worst of {len(shown)} results"] if len(shown) > 1 else []
    if any(bound for _, bound in judged):
        details.append(f"at the {'upper' if lower_is_better else 'lower'} bound of the 95% "
                       "interval a re-run lands in")
    detail = "; ".join(details)
    return Line(label, _PASSES[criterion.op](worst, criterion.threshold), worst,
                criterion.threshold, unit, margin, pct, detail)


def _judged(result: RunResult, path: str, point: float | None,
            lower_is_better: bool) -> tuple[float | None, bool]:
    """The value a criterion judges: the stated interval's unfavourable bound when the
    metric is the result's headline, else the point. True when it is the bound."""
    interval = result.interval
    if point is None or interval is None or interval.field != path:
        return point, False
    bound = interval.high if lower_is_better else interval.low
    return (point, False) if bound is None else (bound, True)


def _fell_back(result: RunResult) -> bool:
    """Whether a result ran on another provider than the profile's first choice."""
    execution = result.execution
    return execution is not None and bool(execution.fallbacks or execution.cpu_nodes)


def check_validity(report: Report, rules: ValidityRules) -> list[Line]:
    results = report.results
    lines = []
    if rules.require_ok:
        failed = [r.model for r in results if r.status == "failed"]
        lines.append(Line("validity: no failed run", not failed,
                          detail=f"failed: {', '.join(failed)}" if failed else ""))
    if rules.require_valid:
        bad = [f"{r.model} ({'; '.join(r.invalid_reasons)})" for r in results if not r.valid]
        lines.append(Line("validity: every result valid", not bad, detail="; ".join(bad)))
    if rules.min_queries:
        fewest = min((r.queries for r in results), default=0)
        lines.append(Line(f"validity: queries >= {rules.min_queries}",
                          fewest >= rules.min_queries, float(fewest), rules.min_queries,
                          "count", float(fewest - rules.min_queries)))
    if not rules.allow_emulated:
        emulated = report.emulation is not None
        lines.append(Line("validity: no emulated run", not emulated,
                          detail="the run emulated a smaller device (--emulate)"
                          if emulated else ""))
    if not rules.allow_provider_fallback:
        hit = [r.model for r in results if _fell_back(r)]
        lines.append(Line("validity: no provider fallback", not hit, detail=", ".join(hit)))
    if not rules.allow_unstable:
        shaky = [f"{r.model} ({r.stability.reason})" for r in results
                 if r.stability is not None and r.stability.verdict == "unstable"]
        lines.append(Line("validity: every result stable across processes", not shaky,
                          detail="; ".join(shaky)))
    return lines


def evaluate(report: Report, criteria: CriteriaSpec, tier: str | None = None) -> Evaluation:
    """Judge ``report`` against one tier (the lowest when ``tier`` is None)."""
    names = [t.name for t in criteria.tiers]
    if tier is not None and tier not in names:
        raise UsageError(f"--tier {tier!r}: the criteria define tiers {', '.join(names)}")
    chosen: Tier = criteria.tiers[names.index(tier) if tier else 0]
    lines = (*check_validity(report, criteria.validity),
             *(judge(report, c) for c in chosen.criteria))
    return Evaluation(chosen.name, all(line.passed for line in lines), lines)


def best_tier(report: Report, criteria: CriteriaSpec) -> str | None:
    """The highest tier the report passes, or None."""
    passed = [t.name for t in criteria.tiers if evaluate(report, criteria, t.name).passed]
    return passed[-1] if passed else None
