"""``report.json``: the contract, and reading it back."""

from __future__ import annotations

import json
from pathlib import Path

from bench.report import register_writer
from bench.report.contract import load_report, parse_report
from bench.result import Report

_SAMPLE_FIELDS = ("warmup_samples_ns", "samples_ns")


@register_writer("json", "report.json")
def render_json(report: Report, validate: bool = True) -> bytes:
    """Indented JSON, except that each sample list stays on one line (a run of a fast
    model holds hundreds of thousands of samples; one per line would triple the file)."""
    data = report.model_dump(mode="json")
    compact: dict[str, str] = {}
    for index, result in enumerate(data["results"]):
        for field in _SAMPLE_FIELDS:
            marker = f"@@{field}:{index}@@"
            compact[f'"{marker}"'] = json.dumps(result[field], separators=(",", ":"))
            result[field] = marker
    text = json.dumps(data, indent=2, ensure_ascii=False)
    for marker, values in compact.items():
        text = text.replace(marker, values, 1)
    rendered = (text + "\n").encode()
    if validate:  # on write: what is written must read back
        parse_report(rendered, "report.json (as written)")
    return rendered


def read_report(path: Path) -> Report:
    """Load a saved ``report.json``, validated (version, fields, content hash); a file that
    is not a valid report is a ``SpecError``."""
    return load_report(path)
