"""What needs a reader's attention first: failed and invalid results, each with its reasons
in plain words; and fields a later edgebench added that this one has no section for, shown
as labelled values rather than hidden (never as a JSON dump)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from bench.report import units
from bench.report.facts import Fact
from bench.result.models import RunResult

# onnxruntime's error text: "[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : message"
_ORT_ERROR = re.compile(r"^\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*([A-Z_]+)\s*:\s*(.*)$", re.S)
_GENERIC = {"the run failed"}  # a reason that only repeats the status


@dataclass(frozen=True)
class Attention:
    """A result that failed or is invalid, and why, in plain words."""

    index: int  # position in the report (its section anchor)
    result: RunResult
    status: str  # "failed" or "invalid"
    reasons: tuple[str, ...]


def plain_error(error: str) -> str:
    """onnxruntime's status code in words: ``onnxruntime refused it (invalid argument):
    ...``; other errors as they are."""
    match = _ORT_ERROR.match(error.strip())
    if not match:
        return error
    code, message = match.groups()
    return f"onnxruntime stopped with {code.replace('_', ' ').lower()}: {message.strip()}"


def status_of(r: RunResult) -> str:
    return "failed" if r.status == "failed" else ("valid" if r.valid else "invalid")


def attention(results: Sequence[RunResult]) -> list[Attention]:
    """Failed results first, then invalid ones, each in report order."""
    items = []
    for index, r in enumerate(results):
        status = status_of(r)
        if status == "valid":
            continue
        reasons = [f"the run failed: {plain_error(r.error)}"] if r.error else []
        reasons += [x for x in r.invalid_reasons if not (r.error and x in _GENERIC)]
        items.append(Attention(index, r, status, tuple(reasons) or ("no reason recorded",)))
    return sorted(items, key=lambda a: (a.status != "failed", a.index))


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return units.sig(value)
    if isinstance(value, list):
        if len(value) > 8 or any(isinstance(v, dict | list) for v in value):
            return units.plural(len(value), "value")
        return ", ".join(_value(v) for v in value)
    return str(value)


def _flatten(prefix: str, value: object) -> list[Fact]:
    if isinstance(value, dict):
        return [f for key, item in value.items() for f in _flatten(f"{prefix} {key}", item)]
    if value in (None, [], {}, ""):
        return []
    return [Fact(prefix.replace("_", " ").strip(), _value(value))]


def other_facts(model: BaseModel, shown: frozenset[str]) -> list[Fact]:
    """Fields outside ``shown`` that carry a value, flattened to labelled values."""
    data = model.model_dump(mode="json")
    return [f for name, value in data.items() if name not in shown
            for f in _flatten(name, value)]
