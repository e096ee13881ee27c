"""``report.md``: the summary for people and pull-request comments."""

from __future__ import annotations

from bench.report.engine_sections import render_sections
from bench.report.escape import markdown as _cell
from bench.report.registry import register_writer
from bench.report.table import HEADERS, result_row
from bench.result.models import Report


def _details(report: Report) -> list[str]:
    lines = ["", "## Details", "",
             "| model | provider | inputs | ended by | session create ms | first inference ms |"
             " model sha256 |", "|---|---|---|---|---|---|---|"]
    for r in report.results:
        shapes = ", ".join(f"{k}={'x'.join(map(str, v)) or 'scalar'}"
                           for k, v in r.input_shapes.items())
        cold = r.cold_start
        lines.append(" | ".join((
            f"| {_cell(r.model)}", r.provider, _cell(shapes), _cell(r.ended_by or "-"),
            f"{cold.session_create_ms:.2f}" if cold else "-",
            f"{cold.first_inference_ms:.2f}" if cold else "-",
            f"`{r.model_sha256[:16]}`")) + " |")
    return lines


def _emulation_lines(report: Report) -> list[str]:
    e = report.emulation
    if e is None:
        return []
    memory = f"{e.memory_limit_bytes / 2**20:.0f} MiB" if e.memory_limit_bytes else "no cap"
    return [f"- **emulated** on this host: cores {e.cores or 'all'}, memory {memory}, "
            f"threads {e.threads or 'default'}"]


def fallback_lines(report: Report) -> list[str]:
    """Execution providers that were asked for and not used (profile ``fallback: allow``)."""
    notes = [f"- **{_cell(r.model)}**: {_cell(line)}" for r in report.results
             if r.execution is not None for line in r.execution.fallbacks]
    notes += [f"- **{_cell(r.model)}**: nodes off the first provider: "
              f"{_cell(', '.join(r.execution.cpu_nodes))}" for r in report.results
              if r.execution is not None and r.execution.cpu_nodes]
    return ["", "## Execution provider fallback", "", *notes] if notes else []


def energy_lines(report: Report) -> list[str]:
    """The energy section: figures where a source was read, the reason where not."""
    rows = [(r, r.energy) for r in report.results if r.energy is not None]
    if not rows:
        return []
    lines = ["", "## Energy", ""]
    for r, e in rows:
        if e.available:
            lines.append(f"- **{_cell(r.model)}** ({e.source}): {e.average_power_w:.2f} W "
                         f"average, {e.energy_per_inference_mj:.3f} mJ per inference, "
                         f"{e.inferences_per_joule:.1f} inferences per joule "
                         f"({e.inferences} inferences in {e.window_s:.1f} s)")
        else:
            lines.append(f"- **{_cell(r.model)}**: energy not measured: {_cell(e.reason or '')}")
    return lines


@register_writer("md", "report.md")
def render_markdown(report: Report) -> bytes:
    host = report.host
    lines = [
        f"# edgebench report {report.run_id}",
        "",
        f"- device profile: **{_cell(report.device.name)}** ({report.device.category}, "
        f"{_cell(report.device.profile)})",
        f"- host: {_cell(host.cpu_model)}, {host.logical_cores} logical / "
        f"{host.physical_cores or '?'} physical cores, {host.memory_bytes / 2**30:.1f} GiB, "
        f"{_cell(host.os)} {host.machine}",
        f"- runtime: onnxruntime {host.onnxruntime} ({', '.join(host.providers)}), "
        f"Python {host.python}, edgebench {report.harness.version}",
        f"- created: {report.created_at}; schema {report.schema_version}"
        + (f"; content hash `{report.content_hash}`" if report.content_hash else ""),
        *_emulation_lines(report),
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "---|" * len(HEADERS),
    ]
    lines += ["| " + " | ".join(_cell(c) for c in result_row(r)) + " |" for r in report.results]
    notes = []
    for r in report.results:
        if r.error:
            notes.append(f"- **{_cell(r.model)}** failed: {_cell(r.error)}")
        for reason in r.invalid_reasons if r.status == "ok" else []:
            notes.append(f"- **{_cell(r.model)}** invalid: {_cell(reason)}")
    if notes:
        lines += ["", "## Validity", "", *notes]
    lines += _details(report)
    lines += fallback_lines(report) + energy_lines(report) + render_sections(report)
    lines += [
        "",
        "Latency percentiles use the nearest-rank definition; cold start (session creation "
        "and first inference) and warm-up are measured apart from the steady-state run.",
        "",
    ]
    return "\n".join(lines).encode()
