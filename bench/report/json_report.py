"""``report.json``: the contract's own bytes (:func:`bench.result.contract.render_json`)."""

from __future__ import annotations

from bench.report.registry import register_writer
from bench.result.contract import render_json
from bench.result.models import Report


@register_writer("json", "report.json")
def render(report: Report) -> bytes:
    return render_json(report)
