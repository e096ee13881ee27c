"""The Markdown sections of the measurement details: how each run ended and the interval
reached, the scenario's own figures (each scenario renders its lines,
``Scenario.section``), sustained load, CPU, roofline, output check, operator profile and
LoadGen's verdict. Pure rendering of what the report holds."""

from __future__ import annotations

from bench.measure.scenarios import get_scenario, is_scenario
from bench.report.escape import markdown as _cell
from bench.result.models import Report, RunResult


def _ending(r: RunResult) -> str:
    es = r.early_stopping
    text = f"ended by: {r.ended_by}"
    if es is None:
        return text
    if es.ci_low_ms is None or es.relative_half_width is None:
        return text + f"; p{es.percentile:g} {es.value_ms:.4f} ms (too few samples for a CI)"
    target = f", target ±{es.ci_target:.1%}" if es.ci_target is not None else ""
    return (text + f"; p{es.percentile:g} {es.value_ms:.4f} ms, 95% CI "
            f"[{es.ci_low_ms:.4f}, {es.ci_high_ms:.4f}] ms = ±{es.relative_half_width:.2%}"
            f"{target}")


def _scenario(r: RunResult) -> list[str]:
    """The scenario's own lines; a scenario this process does not know (a plugin's, in a
    report from elsewhere) shows its named values as they are."""
    if is_scenario(r.scenario):
        return get_scenario(r.scenario).section(r)
    if r.scenario_figures is not None:
        return [", ".join(f"{k} {v}" for k, v in r.scenario_figures.values.items())]
    return []


def _details(r: RunResult) -> list[str]:
    lines = _scenario(r)
    if r.sustained:
        s2 = r.sustained
        lines.append(f"sustained: {len(s2.throughput_per_s)} windows of {s2.window_s:g} s, "
                     f"stability {s2.stability:.3f}"
                     + (" — THROTTLING" if s2.throttling else ""))
    if r.cpu:
        lines.append(f"CPU: process {r.cpu.process_mean_pct:.0f}% of one core (peak "
                     f"{r.cpu.process_peak_pct:.0f}%), machine {r.cpu.system_mean_pct:.0f}%")
    if r.roofline:
        lines.append(f"roofline: {r.roofline.flops_per_query / 1e9:.4f} GFLOP per query, "
                     f"{r.roofline.gflops_per_s:.2f} GFLOP/s ({r.roofline.basis})")
    if r.conformance:
        c = r.conformance
        worst = max((o.max_rel_error or 0.0 for o in c.outputs), default=0.0)
        lines.append(f"outputs vs fp32 reference: {'pass' if c.passed else 'FAIL'} "
                     f"(worst max rel error {worst:.3g}, tolerance {c.rel_tolerance:g})")
    if r.loadgen:
        lines.append(f"MLPerf LoadGen {r.loadgen.scenario}: "
                     f"{'VALID' if r.loadgen.valid else 'INVALID'} (logs: {r.loadgen.log_dir})")
    return lines


def render_sections(report: Report) -> list[str]:
    lines: list[str] = []
    for r in report.results:
        if r.status != "ok":
            continue
        lines += ["", f"### {_cell(r.model)} {_cell(r.scenario)}", "",
                  f"- headline: {_cell(r.headline or 'p90 latency')}; {_cell(_ending(r))}"]
        lines += [f"- {_cell(line)}" for line in _details(r)]
        if r.op_profile:
            p = r.op_profile
            lines += ["", f"Top operators ({p.runs} profiled runs, trace "
                          f"`{_cell(p.trace_file)}`, open in https://ui.perfetto.dev):", "",
                      "| node | op type | provider | calls | total ms | % of run |",
                      "|---|---|---|---|---|---|"]
            lines += [f"| {_cell(o.node)} | {_cell(o.op_type)} | {_cell(o.provider)} | "
                      f"{o.calls} | {o.total_ms:.3f} | {o.percent_of_run:.1f} |" for o in p.top]
    return ["", "## Early stopping and measurement details", *lines] if lines else []
