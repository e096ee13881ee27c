"""``report.html``: one self-contained page (no network, no script) for people.

HTML comes from the Jinja2 template ``reports/templates/report.html.j2`` with autoescaping
on, so a device or model name such as ``<script>`` renders as text. It shows the same view
as report.md (``bench.report.page``): failed and invalid results first, a summary chart of
every headline with its interval, facts shared by every result once, each result in words
with its plots (matplotlib SVG inlined), the LLM section and the host. Fields this writer
does not know (added to the report by later versions) are still shown, as labelled values,
so nothing measured is hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.errors import UsageError
from bench.report.charts import Chart, Row, dot_chart, headline_charts, headline_row
from bench.report.facts import Fact
from bench.report.notes import other_facts
from bench.report.page import LLM_HEADERS, SUMMARY_HEADERS, LlmRow, ReportView, ResultView, build
from bench.report.plots import Plot, distribution_plot, result_plots
from bench.report.registry import register_writer
from bench.resources import data_dir
from bench.result.models import Report

TEMPLATE = "report.html.j2"
# Fields the page shows in its own sections; anything else is shown as labelled values.
SHOWN_RESULT_FIELDS = frozenset({
    "model", "model_sha256", "precision", "scenario", "provider", "input_shapes", "settings",
    "status", "valid", "invalid_reasons", "error", "latency_ms", "percentile_method",
    "throughput_per_s", "queries", "duration_s", "ended_by", "cold_start", "memory",
    "warmup_samples_ns", "samples_ns", "execution", "energy", "temperature_c",
    "gpu_peak_memory_bytes", "headline", "early_stopping", "multi_stream", "offline", "server",
    "token_generation", "sustained", "cpu", "op_profile", "roofline", "conformance", "loadgen",
    "scenario_figures", "warnings", "defaulted_dims", "interval", "stability", "processes",
    "threads_trial", "llm_server", "back_to_back",
})
SHOWN_REPORT_FIELDS = frozenset({"schema_version", "run_id", "created_at", "harness", "host",
                                 "device", "results", "emulation", "content_hash", "signature"})
SHOWN_HOST_FIELDS = frozenset({
    "cpu_model", "logical_cores", "physical_cores", "memory_bytes", "os", "kernel", "machine",
    "python", "onnxruntime", "providers", "cpu_flags", "cpu_freq_mhz", "onnxruntime_build",
    "gpus", "battery", "affinity"})


def environment() -> Any:
    """The Jinja2 environment of every edgebench page: autoescaping, strict undefined."""
    try:
        import jinja2
    except ImportError:
        raise UsageError("the html format needs Jinja2 and matplotlib: "
                         "pip install 'edgebench[html]'") from None
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError("the html format needs matplotlib: "
                         "pip install 'edgebench[html]'") from None
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(data_dir("reports") / "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True)


@dataclass(frozen=True)
class ResultPage:
    """One result's HTML-only parts: its headline chart and its plots."""

    view: ResultView
    chart: Chart | None
    plots: tuple[Plot, ...]
    extras: tuple[Fact, ...]


def _flags(v: ResultView) -> tuple[str, ...]:
    return () if v.status == "valid" else (v.status,)


def _result_page(v: ResultView) -> ResultPage:
    chart = None
    if v.headline is not None and v.spread.per_process:  # each process's headline as a dot
        chart = dot_chart("", [headline_row(v.headline.label, v.headline, v.spread,
                                            _flags(v))], v.headline.rate)
    plots = (tuple(result_plots(v.r.samples_ns, v.r.back_to_back is not False))
             if v.r.samples_ns else ())
    return ResultPage(v, chart, plots, tuple(other_facts(v.r, SHOWN_RESULT_FIELDS)))


def _llm_plots(rows: Sequence[LlmRow]) -> list[Plot]:
    """TTFT distributions of every LLM result, then their TPOT distributions."""
    return [distribution_plot(samples, f"{title}, {row.view.r.model} {row.figures.name}")
            for title, field in (("time to first token", "ttft_ns"),
                                 ("time per output token", "tpot_ns"))
            for row in rows if (samples := getattr(row.figures, field))]


def _summary_charts(view: ReportView) -> list[Chart]:
    rows = [(v.headline, headline_row(v.title, v.headline, v.spread, _flags(v), v.anchor))
            for v in view.results if v.headline is not None]
    return headline_charts(rows, "Headlines")


def _llm_chart(view: ReportView) -> Chart | None:
    if not view.llm:
        return None
    rows = [Row(label=f"{row.view.r.model} · {row.figures.name}", value=row.figures.tokens_per_s,
                value_text=f"{row.figures.tokens_per_s:,.0f} tokens/s", anchor=row.view.anchor)
            for row in sorted(view.llm, key=lambda x: (x.view.r.model, x.figures.prompt_length))]
    return dot_chart("Decode tokens/s per prompt length, higher is better", rows, rate=True)


@register_writer("html", "report.html")
def render_html(report: Report) -> bytes:
    env = environment()
    view = build(report)
    page = env.get_template(TEMPLATE).render(
        view=view, report=report, summary_headers=SUMMARY_HEADERS, llm_headers=LLM_HEADERS,
        charts=_summary_charts(view), llm_chart=_llm_chart(view),
        llm_plots=_llm_plots(view.llm),
        pages=[_result_page(v) for v in view.results],
        host_extras=other_facts(report.host, SHOWN_HOST_FIELDS),
        report_extras=other_facts(report, SHOWN_REPORT_FIELDS))
    return page.encode()
