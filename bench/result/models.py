"""The report contract: what ``report.json`` holds, as pydantic models.

The JSON Schema committed at ``reports/schema/report.schema.json`` is generated from these
models (``edgebench schema > reports/schema/report.schema.json``); a test keeps the
two equal. ``SCHEMA_VERSION`` follows semver: a new optional field is a minor change, a
removed, renamed or retyped field a major one.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from bench.result.base import Record
from bench.result.figures import (
    ColdStart,
    Conformance,
    CpuUsage,
    EarlyStopping,
    LatencyMs,
    LoadgenResult,
    MultiStreamFigures,
    OfflineFigures,
    OpProfile,
    Roofline,
    ScenarioFigures,
    ServerFigures,
    Sustained,
    TokenGenerationFigures,
)
from bench.result.llm import LlmMetrics
from bench.result.llm_server import LlmServerFigures
from bench.result.machine import (  # noqa: F401  (part of the report's models)
    CpuFrequency,
    DeviceInfo,
    Emulation,
    GpuInfo,
    Harness,
    HostInfo,
)
from bench.result.processes import (
    DoctorFinding,
    HeadlineInterval,
    ProcessLevel,
    Stability,
    ThreadsTrial,
)

SCHEMA_VERSION = "1.6.0"


class Memory(Record):
    peak_rss_bytes: int = Field(description="peak resident set size over session creation, "
                                            "warm-up and the measured run")
    peak_rss_method: str
    model_load_rss_delta_bytes: int = Field(description="VmRSS after session creation minus "
                                                        "VmRSS before it")


LLM_SETTINGS = ("repetitions", "context_depth", "sweep_prompt", "sweep_new_tokens")
LLM_SERVER_SETTINGS = ("request_rate", "max_concurrency", "prompt_tokens", "output_tokens",
                       "slo", "find_max_rate")


def _without_unset(data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """``data`` without those ``fields`` that are None (fields added after a report's
    schema version was fixed: a report without them dumps and hashes as it was written)."""
    for name in fields:
        if name in data and data[name] is None:
            del data[name]
    return data


class ResultSettings(Record):
    duration_s: float
    min_queries: int
    max_duration_s: float
    warmup: int
    threads: int | None
    seed: int
    values: dict[str, float] = Field(default_factory=dict)
    # Scenario settings (issue 4); None where the scenario does not use them.
    samples_per_query: int | None = None
    concurrency: int | Literal["auto"] | None = None
    batch: int | None = None
    target_qps: float | None = None
    find_max_qps: bool | None = None
    latency_bound_ms: float | None = None
    ci_target: float | None = None
    sustained_s: float | None = None
    prompt_length: int | None = None
    new_tokens: int | None = None
    repetitions: int | None = None
    context_depth: int | None = None
    sweep_prompt: list[int] | None = None
    sweep_new_tokens: list[int] | None = None
    backend: Literal["native", "mlperf"] | None = Field(
        None, description="who issued the queries: edgebench's own scenario ('native') or "
                          "MLPerf LoadGen ('mlperf', --loadgen); None before 1.2.0")
    # llm-server's settings; each left out of the JSON while unset (None)
    request_rate: float | None = None
    max_concurrency: int | None = None
    prompt_tokens: str | None = None
    output_tokens: str | None = None
    slo: str | None = None
    find_max_rate: bool | None = None

    repeats: int | None = Field(None, description="fresh processes (added in 1.3.0)")

    # Any: pydantic's serializer hands the dumped JSON object (the serialisation edge).
    @model_serializer(mode="wrap")
    def _leave_out_unrecorded(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A field added in a minor version is left out while unset (None), so a report
        written before it dumps, hashes and verifies its signature as it was written."""
        data: dict[str, Any] = handler(self)
        if data.get("backend", "") is None:
            del data["backend"]
        return _without_unset(data, (*LLM_SERVER_SETTINGS, *LLM_SETTINGS))


class Execution(Record):
    """Which execution providers were asked for, which ran, and what fell back."""

    requested: list[str]
    used: list[str] = Field(description="providers the session was created with, in order")
    fallback_policy: Literal["allow", "forbid"]
    fallbacks: list[str] = Field(default_factory=list,
                                 description="providers that were not available, and where "
                                             "their work ran instead")
    cpu_nodes: list[str] | None = Field(
        None, description="nodes that ran on another provider than the first (None: not "
                          "checked, done only when the first provider is not the CPU)")
    intra_op_threads: int | None = None
    inter_op_threads: int | None = None
    graph_optimization_level: str = "all"


class Energy(Record):
    """Energy over the scenario call (warm-up and measured queries), from one source."""

    available: bool
    source: str | None = Field(None, description="e.g. 'rapl', 'nvml', 'battery', 'meter'")
    reason: str | None = Field(None, description="why no figure, when not available")
    energy_j: float | None = None
    window_s: float | None = None
    inferences: int | None = Field(None, description="inferences in the window (warm-up "
                                                     "and measured)")
    average_power_w: float | None = None
    energy_per_inference_mj: float | None = None
    inferences_per_joule: float | None = None
    domains_j: dict[str, float] = Field(default_factory=dict,
                                        description="energy per domain, e.g. package-0, dram")


class Temperature(Record):
    start: float
    max: float
    end: float


class RunWarning(Record):
    """A distinct line the run met, and how often (added in 1.2.0)."""

    source: str = Field(description="'onnxruntime' (its own log) or 'onnx.checker' (advice "
                                    "on a model onnxruntime loads)")
    level: str = Field(description="verbose, info, warning, error or fatal")
    message: str
    count: int = Field(ge=1)


class DefaultedDim(Record):
    """A dynamic dim that no flag or manifest set, run at a default size (added in 1.2.0)."""

    input: str
    axis: int
    dim: str | None = Field(description="its name in the model; None: unnamed or -1")
    size: int


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
    execution: Execution | None = None
    energy: Energy | None = None
    temperature_c: dict[str, Temperature] = Field(
        default_factory=dict, description="per sensor, degrees Celsius, over the scenario call")
    gpu_peak_memory_bytes: int | None = Field(None, description="NVML, device memory used")

    # Added by the measurement engine (issue 4); all optional.
    headline: str | None = Field(None, description="the figure this scenario is judged by")
    back_to_back: bool | None = Field(None, description="each query issued when the last "
                                      "completed: samples_ns add up to the timeline (1.6.0)")
    early_stopping: EarlyStopping | None = None
    multi_stream: MultiStreamFigures | None = None
    offline: OfflineFigures | None = None
    server: ServerFigures | None = None
    token_generation: TokenGenerationFigures | None = None
    llm: LlmMetrics | None = Field(None, description="a decoder's LLM figures (pp/tg t/s, "
                                                     "TTFT, TPOT, ITL); bench/result/llm.py")
    sustained: Sustained | None = None
    cpu: CpuUsage | None = None
    op_profile: OpProfile | None = None
    roofline: Roofline | None = None
    conformance: Conformance | None = None
    loadgen: LoadgenResult | None = None
    scenario_figures: ScenarioFigures | None = Field(
        None, description="figures of a scenario registered outside the built-in ones "
                          "(added in 1.2.0)")
    warnings: list[RunWarning] = Field(default_factory=list)
    defaulted_dims: list[DefaultedDim] = Field(
        default_factory=list, description="a leading batch dim nobody set runs at 1")
    # The process level (added in 1.3.0).
    interval: HeadlineInterval | None = Field(
        None, description="the 95% interval the report states for the headline")
    stability: Stability | None = Field(None, description="whether the fresh processes "
                                                          "agree (--repeats N)")
    processes: ProcessLevel | None = Field(
        None, description="each fresh process; with it, latency_ms holds the median over "
                          "processes of each process's own figure (min and max: over all)")
    threads_trial: ThreadsTrial | None = Field(None, description="--threads auto")
    llm_server: LlmServerFigures | None = Field(
        None, description="--scenario llm-server's figures; left out of the JSON when unset")

    @model_serializer(mode="wrap")
    def _leave_out_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _without_unset(handler(self), ("llm_server", "llm", "back_to_back"))


class Signature(Record):
    """An Ed25519 signature over ``canonical_json(report)`` (``edgebench sign``)."""

    algorithm: Literal["ed25519"] = "ed25519"
    public_key_fingerprint: str = Field(description="sha256 of the raw public key, hex")
    signature: str = Field(description="the signature, base64")


class Report(Record):
    schema_version: str = SCHEMA_VERSION
    run_id: str
    created_at: str = Field(description="ISO 8601, UTC")
    harness: Harness
    host: HostInfo
    device: DeviceInfo
    results: list[RunResult]
    emulation: Emulation | None = Field(None, description="set when the run emulated a "
                                                          "smaller device (--emulate)")
    doctor: list[DoctorFinding] | None = Field(
        None, description="what edgebench doctor found on the host during the run (added "
                          "in 1.3.0)")
    content_hash: str | None = Field(
        None, description="'sha256:<hex>' over the canonical JSON of the content, filled on "
                          "write and checked on read (added in 1.1.0)")
    signature: Signature | None = Field(None, description="envelope: not part of the signed "
                                                          "content")


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
