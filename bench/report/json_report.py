"""``report.json``: the contract, and reading it back."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from bench.errors import SpecError
from bench.report import register_writer
from bench.result import Report
from bench.spec import format_validation_error

_SAMPLE_FIELDS = ("warmup_samples_ns", "samples_ns")


@register_writer("json", "report.json")
def render_json(report: Report) -> bytes:
    """Indented JSON, except that each sample list stays on one line (a run of a fast
    model holds hundreds of thousands of samples; one per line would triple the file)."""
    data = report.model_dump(mode="json")
    compact: dict[str, str] = {}
    for index, result in enumerate(data["results"]):
        for field in _SAMPLE_FIELDS:
            marker = f"@@{field}:{index}@@"
            compact[f'"{marker}"'] = json.dumps(result[field], separators=(",", ":"))
            result[field] = marker
    text = json.dumps(data, indent=2)
    for marker, values in compact.items():
        text = text.replace(marker, values, 1)
    return (text + "\n").encode()


def read_report(path: Path) -> Report:
    """Load a saved ``report.json``; a file that is not a report is a ``SpecError``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SpecError(f"{path}: not JSON: {exc}") from None
    try:
        return Report.model_validate(data)
    except ValidationError as exc:
        raise SpecError(format_validation_error(path, exc)) from None
