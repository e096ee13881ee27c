"""The Markdown sections of the measurement engine's figures: how each run ended and the
interval reached, scenario figures, sustained load, CPU, roofline, output check, operator
profile and LoadGen's verdict. Pure rendering of what the report holds."""

from __future__ import annotations

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
    lines = []
    if r.multi_stream:
        lines.append(f"{r.multi_stream.samples_per_query} samples per query, run as "
                     f"{r.multi_stream.samples_run_as}")
    if r.offline:
        o = r.offline
        lines.append(f"concurrency {o.concurrency}, batch {o.batch}"
                     + (f", threads {o.threads}" if o.threads else ""))
        if o.sweep:
            trials = ", ".join(f"{p.threads}x{p.concurrency}: {p.samples_per_s:.0f}/s"
                               for p in o.sweep)
            lines.append(f"sweep (threads x concurrency): {trials}")
    if r.server:
        s = r.server
        bound = f", bound {s.latency_bound_ms:g} ms" if s.latency_bound_ms else ""
        lines.append(f"target {s.target_qps:.1f} QPS, achieved {s.achieved_qps:.1f} QPS, "
                     f"p99 {s.p99_ms:.3f} ms{bound}")
        if s.search:
            lines.append("QPS search: " + ", ".join(
                f"{t.target_qps:.0f} ({'ok' if t.valid else 'over'})" for t in s.search))
    if r.token_generation:
        t = r.token_generation
        lines.append(f"prompt {t.prompt_length} tokens: time to first token "
                     f"{t.time_to_first_token_ms:.3f} ms; {t.new_tokens} new tokens: "
                     f"{t.time_per_output_token_ms:.3f} ms per token, "
                     f"{t.decode_tokens_per_s:.1f} tokens/s ({t.generations} generations)")
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
        lines += ["", f"### {_cell(r.model)} {r.scenario}", "",
                  f"- headline: {r.headline or 'p90 latency'}; {_cell(_ending(r))}"]
        lines += [f"- {_cell(line)}" for line in _scenario(r)]
        if r.op_profile:
            p = r.op_profile
            lines += ["", f"Top operators ({p.runs} profiled runs, trace "
                          f"`{_cell(p.trace_file)}`, open in https://ui.perfetto.dev):", "",
                      "| node | op type | provider | calls | total ms | % of run |",
                      "|---|---|---|---|---|---|"]
            lines += [f"| {_cell(o.node)} | {o.op_type} | {o.provider} | {o.calls} | "
                      f"{o.total_ms:.3f} | {o.percent_of_run:.1f} |" for o in p.top]
    return ["", "## Early stopping and measurement details", *lines] if lines else []
