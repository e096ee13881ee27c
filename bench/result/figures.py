"""Report records of the measurement engine: what a scenario, the collectors, the operator
profile, the roofline and the output check add to a ``RunResult``. Every field that holds
these is optional, so older reports still load.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Figures(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LatencyMs(Figures):
    min: float
    mean: float
    p50: float
    p90: float
    p95: float
    p99: float
    max: float
    std: float = Field(description="sample standard deviation (divisor n - 1); 0 for n = 1")


class ColdStart(Figures):
    session_create_ms: float = Field(description="InferenceSession construction")
    first_inference_ms: float = Field(description="the first run() after creation")


CI_METHOD = ("distribution-free order-statistic 95% CI of the percentile (Conover 1999, "
             "3.2; normal approximation of the binomial ranks)")


class EarlyStopping(Figures):
    """The confidence interval of the headline percentile when the run ended."""

    percentile: float
    ci_target: float | None = Field(None, description="relative half-width asked for")
    value_ms: float
    ci_low_ms: float | None = Field(None, description="None: too few samples for a CI")
    ci_high_ms: float | None = None
    relative_half_width: float | None = None
    reached: bool | None = Field(None, description="None when no ci_target was set")
    method: str = CI_METHOD


class MultiStreamFigures(Figures):
    samples_per_query: int
    samples_run_as: str


class SweepPoint(Figures):
    threads: int
    concurrency: int
    samples_per_s: float


class OfflineFigures(Figures):
    concurrency: int
    batch: int
    threads: int | None = Field(None, description="intra-op threads the sweep chose")
    sweep: list[SweepPoint] = Field(default_factory=list,
                                    description="--concurrency auto: every short trial")


class QpsTrial(Figures):
    target_qps: float
    p99_ms: float
    valid: bool


class ServerFigures(Figures):
    target_qps: float
    achieved_qps: float
    p99_ms: float
    latency_bound_ms: float | None
    concurrency: int
    search: list[QpsTrial] = Field(default_factory=list, description="--find-max-qps trials")
    issued: int | None = Field(None, description="queries issued (added in 1.2.0)")

    @property
    def within_bound(self) -> bool | None:
        """Whether p99 kept the latency bound (None: no bound set)."""
        return None if self.latency_bound_ms is None else self.p99_ms <= self.latency_bound_ms


class TokenGenerationFigures(Figures):
    prompt_length: int
    new_tokens: int
    generations: int
    time_to_first_token_ms: float = Field(description="median prefill run() over generations")
    time_per_output_token_ms: float = Field(description="mean decode run()")
    decode_tokens_per_s: float = Field(description="decode steps over time spent in them")
    prefill_samples_ns: list[int] = Field(default_factory=list)


ScenarioValue = float | int | bool | str | list[float] | None


class ScenarioFigures(Figures):
    """The figures of a scenario registered outside edgebench's built-ins (a plugin):
    named numbers, flags, strings or lists of numbers. Built-in scenarios have typed fields
    of their own in the result."""

    scenario: str
    values: dict[str, ScenarioValue] = Field(default_factory=dict)


class Sustained(Figures):
    window_s: float
    throughput_per_s: list[float] = Field(description="samples/s per whole window, in order")
    stability: float = Field(description="lowest window / highest window")
    throttling: bool = Field(description="stability < 0.9 and the slowest window came last "
                                         "of the two")


class CpuUsage(Figures):
    process_mean_pct: float = Field(description="this process's CPU time over wall time, "
                                                "in % of one core (top's %CPU), run mean")
    process_peak_pct: float = Field(description="highest of the sampled intervals")
    system_mean_pct: float = Field(description="whole machine busy time, % of all cores")
    process_wait_pct: float | None = Field(
        None, description="time this process's threads waited for a CPU (run-queue delay), "
                          "% of one core over the run; None without /proc schedstat")
    interval_s: float
    samples: int
    method: str


class OpTime(Figures):
    node: str
    op_type: str
    provider: str
    calls: int
    total_ms: float
    percent_of_run: float = Field(description="share of the summed model_run time")


class OpProfile(Figures):
    runs: int
    run_total_ms: float
    trace_file: str = Field(description="onnxruntime's Chrome-trace JSON; open in Perfetto")
    top: list[OpTime]


class Roofline(Figures):
    flops_per_query: int
    gflops_per_s: float
    basis: str = Field(description="which latency or rate the FLOPs were divided by")
    method: str


class OutputCheck(Figures):
    name: str
    max_abs_error: float | None = Field(description="None: missing, other shape, or NaN/inf")
    max_rel_error: float | None = Field(
        description="max |candidate - reference| / max |reference|")
    cosine_similarity: float | None
    passed: bool
    note: str = ""


class Conformance(Figures):
    reference: str
    reference_sha256: str
    precision: str
    rel_tolerance: float
    min_cosine: float
    passed: bool
    outputs: list[OutputCheck]


class LoadgenResult(Figures):
    scenario: str
    valid: bool
    summary: dict[str, str] = Field(default_factory=dict,
                                    description="LoadGen's summary log, key: value")
    log_dir: str
