"""The report contract: what ``report.json`` holds, as pydantic models.

The JSON Schema committed at ``reports/schema/report.schema.json`` is generated from these
models (``edgebench schema > reports/schema/report.schema.json``); a test keeps the
two equal. ``SCHEMA_VERSION`` follows semver: a new optional field is a minor change, a
removed, renamed or retyped field a major one.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.1.0"


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Harness(Record):
    name: Literal["edgebench"] = "edgebench"
    version: str


class HostInfo(Record):
    """Fingerprint of the machine a report was measured on."""

    cpu_model: str
    logical_cores: int
    physical_cores: int | None
    memory_bytes: int
    os: str = Field(description="operating system and release, e.g. 'Linux 6.1.0'")
    kernel: str
    machine: str = Field(description="architecture, e.g. x86_64")
    python: str
    onnxruntime: str
    providers: list[str] = Field(description="execution providers this onnxruntime offers")


class DeviceInfo(Record):
    name: str
    category: Literal["phone", "pc", "wearable", "all-in-one"]
    profile: str = Field(description="where the profile came from: 'built-in' or a file path")


class LatencyMs(Record):
    min: float
    mean: float
    p50: float
    p90: float
    p95: float
    p99: float
    max: float
    std: float = Field(description="sample standard deviation (divisor n - 1); 0 for n = 1")


class ColdStart(Record):
    session_create_ms: float = Field(description="InferenceSession construction")
    first_inference_ms: float = Field(description="the first run() after creation")


class Memory(Record):
    peak_rss_bytes: int = Field(description="peak resident set size over session creation, "
                                            "warm-up and the measured run")
    peak_rss_method: str
    model_load_rss_delta_bytes: int = Field(description="VmRSS after session creation minus "
                                                        "VmRSS before it")


class ResultSettings(Record):
    duration_s: float
    min_queries: int
    max_duration_s: float
    warmup: int
    threads: int | None
    seed: int
    values: dict[str, float] = Field(default_factory=dict)


class RunResult(Record):
    model: str
    model_sha256: str
    precision: str
    scenario: str
    provider: str
    input_shapes: dict[str, list[int]]
    settings: ResultSettings
    status: Literal["ok", "failed"]
    valid: bool
    invalid_reasons: list[str] = Field(default_factory=list)
    error: str | None = None
    latency_ms: LatencyMs | None = None
    percentile_method: str = "nearest-rank"
    throughput_per_s: float | None = None
    queries: int = 0
    duration_s: float = 0.0
    ended_by: str | None = Field(None, description="the rule that ended the measured run")
    cold_start: ColdStart | None = None
    memory: Memory | None = None
    warmup_samples_ns: list[int] = Field(default_factory=list)
    samples_ns: list[int] = Field(default_factory=list,
                                  description="every measured query latency, in order, in ns")


class Report(Record):
    schema_version: str = SCHEMA_VERSION
    run_id: str
    created_at: str = Field(description="ISO 8601, UTC")
    harness: Harness
    host: HostInfo
    device: DeviceInfo
    results: list[RunResult]
    content_hash: str | None = Field(
        None, description="'sha256:<hex>' over the canonical JSON of the content, filled on "
                          "write and checked on read (added in 1.1.0)")


def report_schema() -> dict[str, object]:
    """The JSON Schema of ``report.json``, as committed under ``reports/schema/``."""
    schema = Report.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"edgebench-report-{SCHEMA_VERSION}"
    return schema


def schema_text() -> str:
    return json.dumps(report_schema(), indent=2, sort_keys=True) + "\n"


# Fields that describe a report rather than belong to its content: left out of the bytes
# that a content hash or a signature covers.
ENVELOPE_FIELDS = frozenset({"content_hash", "signature"})


def canonical_json(report: Report) -> bytes:
    """The canonical bytes of a report's content: sorted keys, no whitespace, UTF-8, with
    the envelope fields (hash, signature) left out. Hashes and signatures cover these."""
    data = report.model_dump(mode="json", exclude=set(ENVELOPE_FIELDS))
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
