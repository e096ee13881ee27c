"""The report contract: schema file, strict validation, versions, content hash."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from bench.errors import IntegrityError, SpecError
from bench.result.contract import (
    content_hash,
    document_hash,
    load_report,
    parse_report,
    parse_version,
    render_json,
    seal,
)
from bench.result.models import SCHEMA_VERSION, report_schema, schema_text

GOLDEN = Path(__file__).parent / "golden" / "report.json"
COMMITTED = Path(__file__).parent.parent / "reports" / "schema" / "report.schema.json"


@pytest.fixture
def document() -> dict:
    return json.loads(GOLDEN.read_text())


def _parse(data: dict) -> object:
    return parse_report(json.dumps(data), "r.json")


def test_committed_schema_equals_the_generated_one() -> None:
    assert COMMITTED.read_text() == schema_text()


def test_a_report_of_an_older_minor_version_still_reads_and_verifies() -> None:
    """The golden report as 1.1.0 wrote it: its hash is checked against its own fields, so
    the optional fields 1.2.0 added (absent there) do not break it; a changed value does."""
    old = GOLDEN.with_name("report-1.1.0.json")
    report = load_report(old)
    assert report.schema_version == "1.1.0" and len(report.results) == 4
    assert all(r.scenario_figures is None for r in report.results)
    data = json.loads(old.read_text())
    data["results"][0]["queries"] += 1
    with pytest.raises(IntegrityError, match="content_hash"):
        parse_report(json.dumps(data), "old.json")


def test_a_report_of_1_2_reads_without_the_process_level_fields() -> None:
    """The golden report as 1.2.0 wrote it: the optional fields 1.3.0 added (interval,
    stability, processes, threads_trial, repeats, doctor) are absent and read as None."""
    report = load_report(GOLDEN.with_name("report-1.2.0.json"))
    assert report.schema_version == "1.2.0" and report.doctor is None
    assert all(r.interval is None and r.processes is None and r.stability is None
               for r in report.results)


def test_golden_report_is_valid_and_its_hash_verifies(document: dict) -> None:
    report = load_report(GOLDEN)
    assert report.content_hash == content_hash(report) == document_hash(document)
    jsonschema.validate(document, report_schema())


BREAKAGES = [
    ("host.logical_cores", lambda d: d["host"].update(logical_cores="2")),
    ("results.0.samples_ns.0", lambda d: d["results"][0]["samples_ns"].__setitem__(0, 1.5)),
    ("device.category", lambda d: d["device"].update(category="toaster")),
    ("results.0.colour", lambda d: d["results"][0].update(colour="red")),
    ("run_id", lambda d: d.pop("run_id")),
    ("results.1.valid", lambda d: d["results"][1].update(valid="yes")),
]


@pytest.mark.parametrize(("field", "breaks"), BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_pydantic_and_the_json_schema_refuse_the_same_documents(document: dict, field: str,
                                                                 breaks) -> None:
    """Validating through the models is equivalent to validating against the schema."""
    breaks(document)
    document.pop("content_hash")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, report_schema())
    with pytest.raises(SpecError) as caught:
        _parse(document)
    message = str(caught.value)
    assert f"field {field}" in message and "\n" not in message


def test_an_older_minor_version_without_a_hash_is_read(document: dict) -> None:
    document["schema_version"] = "1.0.0"
    document.pop("content_hash")
    assert _parse(document).schema_version == "1.0.0"


def test_a_newer_major_version_says_upgrade(document: dict) -> None:
    document["schema_version"] = "2.0.0"
    with pytest.raises(SpecError, match="newer than this edgebench.*upgrade edgebench"):
        _parse(document)


def test_a_newer_minor_with_a_field_we_do_not_know_says_upgrade(document: dict) -> None:
    document["schema_version"] = "1.9.0"
    document["energy"] = {"joules": 1.0}
    document.pop("content_hash")
    with pytest.raises(SpecError, match="field energy: unknown field.*upgrade edgebench"):
        _parse(document)


@pytest.mark.parametrize("version", [None, "1.0", "one", 1])
def test_a_missing_or_malformed_version_names_the_field(document: dict, version) -> None:
    document["schema_version"] = version
    with pytest.raises(SpecError, match="field schema_version"):
        _parse(document)


def test_a_changed_report_fails_its_hash(document: dict) -> None:
    document["results"][0]["latency_ms"]["p90"] *= 0.5
    with pytest.raises(IntegrityError, match="field content_hash: does not match"):
        _parse(document)


def test_not_json_and_not_an_object() -> None:
    with pytest.raises(SpecError, match="r.json: not JSON"):
        parse_report("{nope", "r.json")
    with pytest.raises(SpecError, match="expected a JSON object"):
        parse_report("[1, 2]", "r.json")


def test_seal_fills_the_hash_over_canonical_json() -> None:
    report = load_report(GOLDEN).model_copy(update={"content_hash": None})
    sealed = seal(report)
    assert sealed.content_hash.startswith("sha256:") and len(sealed.content_hash) == 71
    assert seal(sealed) == sealed


def test_versions() -> None:
    assert parse_version(SCHEMA_VERSION) >= (1, 1, 0)
    with pytest.raises(ValueError):
        parse_version("1.2")


def test_an_edit_that_keeps_every_value_is_still_caught(tmp_path) -> None:
    # re-indenting keeps every value (so the content hash still matches) but changes bytes;
    # the byte check holds for reports of this schema version (the golden one is older)
    current = load_report(GOLDEN).model_copy(update={"schema_version": SCHEMA_VERSION})
    raw = render_json(seal(current))
    edited = tmp_path / "report.json"
    edited.write_text(json.dumps(json.loads(raw), indent=4) + "\n")
    with pytest.raises(IntegrityError, match="bytes differ"):
        load_report(edited)
    same = tmp_path / "same.json"
    same.write_bytes(raw)
    assert load_report(same).content_hash == seal(current).content_hash
