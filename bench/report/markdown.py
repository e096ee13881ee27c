"""``report.md``: the summary for people and pull-request comments. The same view as
report.html (``bench.report.page``), in Markdown; every cell goes through the one Markdown
escape."""

from __future__ import annotations

from collections.abc import Sequence

from bench.report import units
from bench.report.engine_sections import Table
from bench.report.escape import markdown as _cell
from bench.report.facts import Fact
from bench.report.page import LLM_HEADERS, SUMMARY_HEADERS, ReportView, ResultView, build
from bench.report.process_sections import render_process_level
from bench.report.registry import register_writer
from bench.result.models import Report

FOOTER = ("Latency percentiles use the nearest-rank definition; cold start (session creation "
          "and first inference) and warm-up are measured apart from the steady-state run. "
          "Intervals are 95% confidence intervals within one process unless they say "
          "otherwise.")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return ["| " + " | ".join(_cell(h) for h in headers) + " |", "|" + "---|" * len(headers),
            *("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)]


def _fact(f: Fact, scope: str = "") -> str:
    folded = f": {', '.join(f.folded)}" if f.folded else ""
    return f"- **{_cell(f.label)}**{scope}: {_cell(f.text)}{_cell(folded)}"


def _small(t: Table) -> list[str]:
    return ["", f"{_cell(t.caption)}:", "", *table(t.headers, t.rows)]


def _header(view: ReportView) -> list[str]:
    report, host = view.report, view.report.host
    lines = [
        f"# edgebench report {_cell(report.run_id)}", "",
        f"- device profile: **{_cell(report.device.name)}** ({report.device.category}, "
        f"{_cell(report.device.profile)})",
        f"- host: {_cell(host.cpu_model)}, {host.logical_cores} logical / "
        f"{host.physical_cores or '?'} physical cores, {units.size(host.memory_bytes)}, "
        f"{_cell(host.os)} {host.machine}",
        f"- runtime: onnxruntime {host.onnxruntime} ({', '.join(host.providers)}), "
        f"Python {host.python}, edgebench {report.harness.version}",
        f"- created: {report.created_at}; schema {report.schema_version}"
        + (f"; content hash `{report.content_hash}`" if report.content_hash else ""),
    ]
    if view.emulation:
        lines.append(f"- **emulated** {_cell(view.emulation)}")
    return [*lines, f"- {view.counts}"]


def _attention(view: ReportView) -> list[str]:
    if not view.attention:
        return []
    lines = ["", "## Needs attention", ""]
    for a in view.attention:
        r = a.result
        lines.append(f"- **{_cell(r.model)}** ({r.precision}, {_cell(r.scenario)}) "
                     f"**{a.status}**: {_cell('; '.join(a.reasons))}")
    return lines


def _llm(view: ReportView) -> list[str]:
    if not view.llm:
        return []
    lines = ["", "## LLM token generation", "", *table(LLM_HEADERS, [r.cells for r in view.llm])]
    return lines + ["", *(f"- {_cell(note)}" for note in view.llm_notes)]


def _result(v: ResultView) -> list[str]:
    variant = f", {_cell(v.variant)}" if v.variant else ""
    lines = ["", f"### {_cell(v.r.model)} {_cell(v.r.scenario)} ({v.r.precision}{variant})",
             ""]
    if v.headline:
        lines.append(f"- **{v.status}**{' **unstable**' if v.spread.unstable else ''}; "
                     f"headline: {_cell(v.headline_text)} ({_cell(v.interval_text)})")
    if v.reasons:
        lines.append(f"- **{v.status}**: {_cell('; '.join(v.reasons))}")
    lines += [f"- {_cell(line)}" for line in v.scenario_lines]
    if v.latency:
        t = v.latency
        lines.append(f"- **{_cell(t.caption)}**: " + " · ".join(
            f"{h} {c}" for h, c in zip(t.headers, t.rows[0])))
    lines += [_fact(f) for f in v.facts]
    return lines + (_small(v.ops) if v.ops else [])


@register_writer("md", "report.md")
def render_markdown(report: Report) -> bytes:
    view = build(report)
    lines = _header(view) + _attention(view)
    lines += ["", "## Summary", "", *table(SUMMARY_HEADERS, [v.summary_row for v in view.results])]
    if view.shared:
        lines += ["", "## Common to every result", "",
                  *(_fact(s.fact, f" ({s.scope})" if s.count < s.total else "")
                    for s in view.shared)]
    lines += _llm(view)
    if view.results:
        lines += ["", "## Results"]
        for v in view.results:
            lines += _result(v)
    lines += render_process_level(report)
    lines += ["", "## Host", "", *(_fact(f) for f in view.host), "", FOOTER, ""]
    return "\n".join(lines).encode()
