"""The Markdown of the process level: the interval a report states for each headline (one
interval, the same everywhere), the fresh processes of a ``--repeats N`` result and whether
they agree, the ``--threads auto`` trial, and the host's threats ``edgebench doctor``
found during the run. Pure rendering of what the report holds."""

from __future__ import annotations

from bench.report.escape import markdown as _cell
from bench.result.models import Report, RunResult
from bench.result.processes import HeadlineInterval


def _unit(field: str) -> str:
    return "ms" if field.startswith("latency_ms.") else ("/s" if field.endswith("_per_s")
                                                          else "")


def interval_text(iv: HeadlineInterval) -> str:
    """``0.912 ms, 95% interval [0.85, 0.98] ms (±7.1%) for a fresh process (5 processes)``."""
    unit = _unit(iv.field)
    text = f"{iv.value:.4g} {unit}".rstrip()
    if iv.low is None or iv.high is None or iv.relative_half_width is None:
        return text + " (too few samples for an interval)"
    text += (f", 95% interval [{iv.low:.4g}, {iv.high:.4g}] {unit}".rstrip()
             + f" (±{iv.relative_half_width:.1%})")
    if iv.covers == "fresh process":
        if iv.rerun_low is not None:
            return text + (f": where a re-run's headline falls ({iv.processes} processes and "
                           f"{iv.earlier_invocations} earlier invocations on this host)")
        return text + f": where a fresh process's headline falls ({iv.processes} processes)"
    return text + ": this one process's sampling noise only, not another run's spread"


def _processes(r: RunResult) -> list[str]:
    level, stab = r.processes, r.stability
    if level is None:
        return []
    verdict = stab.verdict.upper() if stab and stab.verdict == "unstable" else (
        stab.verdict if stab else "unknown")
    lines = ["", f"### {_cell(r.model)} {_cell(r.scenario)}: {level.repeats} fresh processes, "
                 f"{verdict}", ""]
    if r.interval is not None:  # the interval and the verdict are in the result's facts
        if r.interval.mean_ci_low is not None and r.interval.mean_ci_high is not None:
            lines.append(f"- 95% confidence interval of the true value (not where a re-run "
                         f"falls): [{r.interval.mean_ci_low:.4g}, "
                         f"{r.interval.mean_ci_high:.4g}]")
    lines.append(f"- each process: {level.per_process_duration_s:.3g} s and at least "
                 f"{level.per_process_min_queries} queries, one after another; drift: how "
                 f"far its speed moved inside it (slowest / fastest 0.25 s window median)")
    lines += ["", "| process | pid | status | headline | ± within | drift | queries | detail |",
              "|---|---|---|---|---|---|---|---|"]
    for run in level.runs:
        width = f"{run.relative_half_width:.1%}" if run.relative_half_width else "-"
        head = f"{run.headline:.4g}" if run.headline is not None else "-"
        detail = run.error or "; ".join(run.invalid_reasons) or ""
        moved = f"{run.drift:.1%}" if run.drift is not None else "-"
        lines.append(f"| {run.index} | {run.pid or '-'} | {run.status} | {head} | {width} | "
                     f"{moved} | {run.queries:,} | {_cell(detail)} |")
    return lines


def _trial(r: RunResult) -> list[str]:
    t = r.threads_trial
    if t is None:
        return []
    parts = [f"{c.threads}: " + " ".join(f"{v:.4g}" for v in c.values)
             + (f" (spread {c.spread:.1%}{'' if c.stable else ', not steady'})"
                if c.spread is not None else "") for c in t.candidates]
    return [f"- **{_cell(r.model)}**: threads auto chose {t.chosen}: {_cell(t.reason)}"
            + (f"; trial headlines by thread count: {_cell('; '.join(parts))}" if parts else "")]


def render_process_level(report: Report) -> list[str]:
    """The section of ``report.md``; empty for a report without process-level fields."""
    lines: list[str] = []
    for r in report.results:
        lines += _processes(r)
    trials = [line for r in report.results for line in _trial(r)]
    if trials:
        lines += ["", "### Threads (--threads auto)", "", *trials]
    one = [r for r in report.results if r.processes is None and r.interval is not None]
    if one:
        lines += ["", f"Results measured in one process ({', '.join(_cell(r.model) for r in one)})"
                      ": their interval covers that process only; a re-run in a fresh "
                      "process can land outside it (--repeats N measures where it lands)."]
    threats = [f for f in report.doctor or [] if f.status == "warn"]
    if threats:
        lines += ["", "### What threatened reproducible numbers during the run "
                      "(edgebench doctor)", ""]
        lines += [f"- {_cell(f.check)}: {_cell(f.detail)}"
                  + (f"; {_cell(f.advice)}" if f.advice else "") for f in threats]
    return ["", "## Repeats and stability", *lines] if lines else []
