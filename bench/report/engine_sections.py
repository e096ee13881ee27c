"""The measurement details of one result, in words, for report.html and report.md: how the
run ended and the interval reached, the scenario's own figures (each scenario renders its
lines, ``Scenario.section``), sustained load, CPU, roofline, output check, LoadGen's verdict
and the operator profile. Pure rendering of what the report holds."""

from __future__ import annotations

from dataclasses import dataclass

from bench.measure.scenarios import get_scenario, is_scenario
from bench.report import units
from bench.report.facts import Fact
from bench.report.process_sections import interval_text
from bench.result.models import RunResult


@dataclass(frozen=True)
class Table:
    """A small table: a caption, its column headers and rows of text."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric_from: int = 1  # columns from this one are numbers (right-aligned)


def _stated(r: RunResult) -> list[Fact]:
    """The one interval the result states (schema 1.3.0), its processes and the threads
    trial, in words."""
    facts = []
    if r.interval is not None:
        facts.append(Fact("Interval", interval_text(r.interval)))
    level, stab = r.processes, r.stability
    if level is not None:
        verdict = stab.verdict.upper() if stab and stab.verdict == "unstable" else (
            stab.verdict if stab else "not judged")
        text = f"{units.plural(level.repeats, 'fresh process')}, {verdict}"
        if stab is not None:
            text += f": {stab.reason}"
        failed = sum(run.status == "failed" for run in level.runs)
        if failed:
            text += f"; {failed} failed"
        facts.append(Fact("Processes", text, tuple(
            f"{run.index}: {run.headline:.4g}" if run.headline is not None
            else f"{run.index}: {run.status}" for run in level.runs)))
    if r.warnings:
        facts.append(Fact("Warnings", f"{units.plural(len(r.warnings), 'distinct line')} "
                                      "met during the run", tuple(
            f"{w.source} {w.level}: {w.message}" + (f" (x{w.count})" if w.count > 1 else "")
            for w in r.warnings)))
    if r.defaulted_dims:
        facts.append(Fact("Defaulted dims", "dynamic dims no flag set, run at a default size "
                                            "(--dim NAME=SIZE or --shape sets them)", tuple(
            f"{d.input}[{d.axis}] {d.dim or '(unnamed)'} = {d.size}"
            for d in r.defaulted_dims)))
    if r.threads_trial is not None:
        facts.append(Fact("Threads", f"--threads auto chose {r.threads_trial.chosen}: "
                                     f"{r.threads_trial.reason}"))
    return facts


def _interval(r: RunResult) -> Fact | None:
    es = r.early_stopping
    if es is None or (r.interval is not None and es.ci_target is None):
        return None
    label = "Early stopping" if es.ci_target is not None else "Interval"
    unit = units.time_unit(es.value_ms)
    text = f"p{es.percentile:g} {units.duration(es.value_ms, unit)}"
    if es.ci_low_ms is None or es.ci_high_ms is None or es.relative_half_width is None:
        text += ", too few samples for a confidence interval"
    else:
        text += (f", 95% CI {units.interval(es.ci_low_ms, es.ci_high_ms, unit)} "
                 f"(±{units.percent(es.relative_half_width)})")
    if es.ci_target is not None:
        text += (f"; target ±{units.percent(es.ci_target)} "
                 + ("reached" if es.reached else "not reached"))
    return Fact(label, text)


def scenario_lines(r: RunResult) -> list[str]:
    """The scenario's own lines; a scenario this process does not know (a plugin's, in a
    report from elsewhere) shows its named values as they are."""
    if is_scenario(r.scenario):
        return get_scenario(r.scenario).section(r)
    if r.scenario_figures is not None:
        return [", ".join(f"{k} {v}" for k, v in r.scenario_figures.values.items())]
    return []


def detail_facts(r: RunResult) -> list[Fact]:
    """How the run ended and what ran beside it (the scenario's own lines are apart:
    :func:`scenario_lines`)."""
    facts = _stated(r) + [f for f in (_interval(r),) if f is not None]
    if r.sustained:
        s = r.sustained
        facts.append(Fact("Sustained load", (
            f"{len(s.throughput_per_s)} windows of {units.seconds(s.window_s)}; slowest window "
            f"{units.percent(s.stability)} of the fastest"
            + ("; THROTTLING: the slowest window came last" if s.throttling else "")),
            tuple(units.rate(v, "samples") for v in s.throughput_per_s)))
    if r.cpu:
        c = r.cpu
        facts.append(Fact("CPU use", f"this process {c.process_mean_pct:.0f}% of one core on "
                                     f"average (peak {c.process_peak_pct:.0f}%); the whole "
                                     f"machine {c.system_mean_pct:.0f}% busy"))
    if r.roofline:
        f = r.roofline
        facts.append(Fact("Roofline", f"{units.flops(f.flops_per_query)} per query, "
                                      f"{units.flops(f.gflops_per_s * 1e9, per_s=True)} "
                                      f"({f.basis})"))
    if r.conformance:
        c = r.conformance
        worst = max((o.max_rel_error or 0.0 for o in c.outputs), default=0.0)
        facts.append(Fact("Outputs vs the fp32 reference", (
            f"{'pass' if c.passed else 'FAIL'}: worst relative error {worst:.3g} "
            f"(tolerance {c.rel_tolerance:g}) over {units.plural(len(c.outputs), 'output')}"),
            tuple(f"{o.name}: {'pass' if o.passed else 'FAIL'}"
                  + (f", {o.note}" if o.note else "") for o in c.outputs)))
    if r.loadgen:
        g = r.loadgen
        facts.append(Fact("MLPerf LoadGen", f"{g.scenario}: {'VALID' if g.valid else 'INVALID'}"
                                            f" (logs in {g.log_dir})",
                          tuple(f"{k}: {v}" for k, v in g.summary.items())))
    return facts


def op_table(r: RunResult) -> Table | None:
    p = r.op_profile
    if p is None:
        return None
    return Table(
        f"Top operators ({units.plural(p.runs, 'profiled run')}; trace {p.trace_file}, "
        "open it in https://ui.perfetto.dev)",
        ("node", "op type", "provider", "calls", "total", "% of run"),
        tuple((o.node, o.op_type, o.provider, f"{o.calls:,}", units.duration(o.total_ms),
               f"{o.percent_of_run:.1f}") for o in p.top), numeric_from=3)


def latency_table(r: RunResult) -> Table | None:
    lat = r.latency_ms
    if lat is None:
        return None
    values = (lat.min, lat.p50, lat.p90, lat.p95, lat.p99, lat.max, lat.mean, lat.std)
    return Table(f"Latency ({r.percentile_method} percentiles)",
                 ("min", "p50", "p90", "p95", "p99", "max", "mean", "std"),
                 (tuple(units.duration(v) for v in values),), numeric_from=0)
