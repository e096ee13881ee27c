"""``certificate.json``: a report's verdict against criteria, as a file."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from pydantic import Field

from bench._version import __version__
from bench.files import file_sha256, write_atomic
from bench.lab.catalog.criteria import load_criteria
from bench.lab.catalog.verdict import Evaluation, evaluate
from bench.result.contract import HASH_PREFIX, content_hash
from bench.result.models import DeviceInfo, Record, Report


class CertificateLine(Record):
    label: str
    passed: bool
    value: float | None = None
    threshold: float | None = None
    unit: str | None = None
    margin: float | None = Field(None, description="positive: headroom; negative: shortfall")
    margin_pct: float | None = Field(None, description="margin as a percentage of the threshold")
    detail: str = ""


class Certificate(Record):
    issued_at: str
    harness_version: str
    report_run_id: str
    report_sha256: str = Field(description="sha256 of the report's canonical content")
    report_signed_by: str | None = Field(None, description="fingerprint of the signing key")
    device: DeviceInfo
    criteria: str
    criteria_sha256: str
    tier: str
    passed: bool
    lines: list[CertificateLine]


def report_sha256(report: Report) -> str:
    return content_hash(report).removeprefix(HASH_PREFIX)


def build_certificate(report: Report, evaluation: Evaluation, criteria_name: str,
                      criteria_sha256: str, issued_at: datetime) -> Certificate:
    """Pure: the certificate of an evaluation."""
    return Certificate(
        issued_at=issued_at.isoformat(timespec="seconds"),
        harness_version=__version__, report_run_id=report.run_id,
        report_sha256=report_sha256(report),
        report_signed_by=report.signature.public_key_fingerprint if report.signature else None,
        device=report.device, criteria=criteria_name, criteria_sha256=criteria_sha256,
        tier=evaluation.tier, passed=evaluation.passed,
        lines=[CertificateLine(**asdict(line)) for line in evaluation.lines])


def certify(report: Report, criteria_path: Path | None = None,
            tier: str | None = None) -> Certificate:
    """Judge ``report`` against a criteria file (its category's built-in one by default)."""
    criteria, path = load_criteria(criteria_path, report.device.category)
    evaluation = evaluate(report, criteria, tier)
    digest = file_sha256(path)
    return build_certificate(report, evaluation, path.name, digest, datetime.now(timezone.utc))


def write_certificate(certificate: Certificate, path: Path) -> Path:
    write_atomic(path, (certificate.model_dump_json(indent=2) + "\n").encode())
    return path
