"""``report.html``: one self-contained page (no network at view time) for people.

HTML comes from the Jinja2 template ``reports/templates/report.html.j2`` with autoescaping
on, so a device or model name such as ``<script>`` renders as text. Plots are matplotlib
SVG inlined in the page. Fields this writer does not know (added to the report by later
versions) are still shown, as a generic table, so nothing measured is hidden.
"""

from __future__ import annotations

import json
from typing import Any

from bench.errors import UsageError
from bench.report.registry import register_writer
from bench.report.table import HEADERS, result_row
from bench.resources import data_dir
from bench.result.models import Report, RunResult

TEMPLATE = "report.html.j2"
# Fields the template shows in their own sections; anything else is shown generically.
SHOWN_RESULT_FIELDS = frozenset({
    "model", "model_sha256", "precision", "scenario", "provider", "input_shapes", "settings",
    "status", "valid", "invalid_reasons", "error", "latency_ms", "percentile_method",
    "throughput_per_s", "queries", "duration_s", "ended_by", "cold_start", "memory",
    "warmup_samples_ns", "samples_ns",
})
SHOWN_REPORT_FIELDS = frozenset({"schema_version", "run_id", "created_at", "harness", "host",
                                 "device", "results", "content_hash"})


def _environment() -> Any:
    try:
        import jinja2
    except ImportError:
        raise UsageError("the html format needs Jinja2 and matplotlib: "
                         "pip install 'edgebench[html]'") from None
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(data_dir("reports") / "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True)


def _extras(model: Any, shown: frozenset[str]) -> list[tuple[str, str]]:
    """Fields outside ``shown`` that carry a value, as (name, pretty JSON)."""
    data = model.model_dump(mode="json")
    return [(name, json.dumps(value, indent=1, ensure_ascii=False))
            for name, value in data.items()
            if name not in shown and value not in (None, [], {}, "")]


def _result_view(index: int, r: RunResult) -> dict[str, Any]:
    from bench.report.plots import result_figure

    return {
        "anchor": f"result-{index}",
        "r": r,
        "row": result_row(r),
        "settings": r.settings.model_dump(mode="json", exclude_none=True),
        "figure": result_figure(r.samples_ns) if r.samples_ns else None,
        "extras": _extras(r, SHOWN_RESULT_FIELDS),
    }


@register_writer("html", "report.html")
def render_html(report: Report) -> bytes:
    environment = _environment()
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError("the html format needs matplotlib: "
                         "pip install 'edgebench[html]'") from None
    page = environment.get_template(TEMPLATE).render(
        report=report,
        host=report.host.model_dump(mode="json"),
        headers=HEADERS,
        results=[_result_view(i, r) for i, r in enumerate(report.results)],
        report_extras=_extras(report, SHOWN_REPORT_FIELDS),
        invalid=[r for r in report.results if not r.valid],
    )
    return page.encode()
