"""The report contract at the file boundary: versions, validation and the content hash.

**Versioning rule** (``schema_version``, semver MAJOR.MINOR.PATCH):

- PATCH: descriptions and documentation only; every document stays valid both ways.
- MINOR: additive: a new *optional* field (default None or empty). A reader of 1.N reads
  every 1.M with M <= N; a report of a newer minor reads when it does not use the new fields,
  otherwise the reader says to upgrade edgebench.
- MAJOR: anything else: a field removed, renamed, retyped or made required. A reader refuses
  a newer major ("upgrade edgebench") and an older one it no longer knows.

**Validation** runs on write (the JSON writer parses back what it renders) and on read,
through the pydantic models in strict mode. That is equivalent to validating against
``reports/schema/report.schema.json``: the committed schema is generated from these same
models (``edgebench schema``), a test keeps the two byte-equal, and a test runs both
validators over the same good and broken documents and checks they agree. Strict mode makes
pydantic refuse what the schema refuses (a string where a number belongs); it is also about
50 times faster than a JSON Schema validator over a report with 10^5 samples, and keeps
``jsonschema`` out of the runtime dependencies.

**Content hash**: ``content_hash`` is ``sha256:<hex>`` over the canonical JSON of the
report's content (``bench.result.models.canonical_json``: sorted keys, no whitespace, UTF-8, without
the envelope fields ``content_hash`` and ``signature``). It is filled on write and checked on
read, against the document's own fields, so a report written by an older minor version still
verifies after newer optional fields appear in the models.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bench.errors import IntegrityError, SpecError
from bench.result.models import ENVELOPE_FIELDS, SCHEMA_VERSION, Report, canonical_json

# A JSON document as parsed, before validation: the serialisation edge, where values are
# whatever the file holds (validation turns it into a typed Report).
JsonObject = dict[str, Any]

_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
# Majors this reader understands; an older major would be converted here when one exists.
READABLE_MAJORS = frozenset({1})
HASH_PREFIX = "sha256:"


def parse_version(text: object) -> tuple[int, int, int]:
    match = _SEMVER.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not a MAJOR.MINOR.PATCH version")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def hash_bytes(canonical: bytes) -> str:
    return HASH_PREFIX + hashlib.sha256(canonical).hexdigest()


def content_hash(report: Report) -> str:
    """The hash a report carries: over ``canonical_json(report)``."""
    return hash_bytes(canonical_json(report))


def document_hash(data: JsonObject) -> str:
    """The same hash, over a parsed JSON document as it stands (what a reader checks)."""
    content = {k: v for k, v in data.items() if k not in ENVELOPE_FIELDS}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hash_bytes(text.encode())


def seal(report: Report) -> Report:
    """The report with its ``content_hash`` filled in (replacing any older one)."""
    return report.model_copy(update={"content_hash": content_hash(report)})


def _first_problem(source: str, error: ValidationError) -> str:
    problems = error.errors()
    item = problems[0]
    where = ".".join(str(part) for part in item["loc"]) or "(top level)"
    message = "unknown field" if item["type"] == "extra_forbidden" else item["msg"]
    more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
    return f"{source}: field {where}: {message}{more}"


def _check_version(source: str, data: JsonObject) -> tuple[int, int, int]:
    try:
        version = parse_version(data.get("schema_version"))
    except ValueError as exc:
        raise SpecError(f"{source}: field schema_version: {exc}; not an edgebench report?") \
            from None
    ours = parse_version(SCHEMA_VERSION)
    if version[0] > ours[0]:
        raise SpecError(f"{source}: schema_version {data['schema_version']} is newer than "
                        f"this edgebench reads ({SCHEMA_VERSION}); upgrade edgebench")
    if version[0] not in READABLE_MAJORS:
        raise SpecError(f"{source}: schema_version {data['schema_version']} is too old for "
                        f"this edgebench ({SCHEMA_VERSION}); re-run with a current edgebench")
    return version


def validate_document(data: object, source: str) -> Report:
    """Validate a parsed JSON document as a report: version, fields, content hash."""
    if not isinstance(data, dict):
        raise SpecError(f"{source}: expected a JSON object at the top level, "
                        f"not {type(data).__name__}")
    version = _check_version(source, data)
    try:
        report = Report.model_validate(data, strict=True)
    except ValidationError as exc:
        message = _first_problem(source, exc)
        if version[:2] > parse_version(SCHEMA_VERSION)[:2]:
            message += (f"; it was written with schema {data['schema_version']}, newer than "
                        f"this edgebench's {SCHEMA_VERSION}: upgrade edgebench")
        raise SpecError(message) from None
    stored = data.get("content_hash")
    if stored is not None and stored != document_hash(data):
        raise IntegrityError(f"{source}: field content_hash: does not match the content; "
                             "the report was changed after it was written")
    return report


def parse_report(text: str | bytes, source: str) -> Report:
    """Parse and validate ``report.json`` text; every failure is a one-line ``SpecError``."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SpecError(f"{source}: not JSON ({exc}); expected an edgebench report.json") \
            from None
    except RecursionError:  # the decoder recurses per nesting level
        raise SpecError(f"{source}: JSON nested too deeply to be an edgebench report.json") \
            from None
    return validate_document(data, source)


def check_bytes(raw: bytes, report: Report, source: str) -> None:
    """A sealed report of this schema version must be byte for byte what edgebench writes
    for its content. The hash covers values, and some edits keep every value (the 17th digit
    of a float, say); this catches those too, so no byte of a sealed file changes unseen."""
    if report.content_hash is None or report.schema_version != SCHEMA_VERSION:
        return
    if render_json(report, validate=False) != raw:
        raise IntegrityError(f"{source}: the file's bytes differ from what edgebench wrote for "
                             "its content; it was changed after it was written")


_SAMPLE_FIELDS = ("warmup_samples_ns", "samples_ns")


def render_json(report: Report, validate: bool = True) -> bytes:
    """The bytes of ``report.json``: indented JSON, except that each sample list stays on one
    line (a run of a fast model holds hundreds of thousands of samples; one per line would
    triple the file). With ``validate``, what is rendered is parsed back first."""
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


def load_report(path: Path) -> Report:
    """Read a saved ``report.json``: a ``SpecError`` names the file and the field; an
    ``IntegrityError`` says it was changed after it was written."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror or exc}") from None
    report = parse_report(raw, str(path))
    check_bytes(raw, report, str(path))
    return report
