"""The report record of ``--scenario llm-server`` (``RunResult.llm_server``): the load that
was offered, the per-request latencies users compare (vLLM's serving benchmark, MLPerf
Inference's LLM server scenario), the rates, and the verdict against the SLO.

Definitions (per request; times in ms):

- **TTFT**, time to first token: from the request's arrival (its scheduled Poisson arrival,
  or its issue in a closed loop) to its first generated token; queueing counts.
- **TPOT**, time per output token: (end-to-end - TTFT) / (output tokens - 1).
- **ITL**, inter-token latency: every gap between two consecutive tokens of a request,
  pooled over requests.
- **E2E**, end-to-end latency: arrival to the last token.

A request is *good* when its TTFT and TPOT both meet the SLO; goodput is good requests per
second. The run meets the SLO when p99 TTFT and p99 TPOT both do (MLPerf's rule).
"""

from __future__ import annotations

from pydantic import Field

from bench.result.figures import Figures


class Percentiles(Figures):
    """A latency distribution in ms (nearest-rank percentiles)."""

    mean: float
    p50: float
    p90: float
    p99: float
    max: float


class RateTrial(Figures):
    """One short trial of ``--find-max-rate``."""

    target_rate: float = Field(description="requests/s asked for")
    achieved_rate: float = Field(description="requests completed per second")
    requests: int
    ttft_p99_ms: float
    tpot_p99_ms: float
    goodput: float = Field(description="good requests per second")
    kept_up: bool = Field(description="in the second half of the arrivals, completions kept "
                                      "up with arrivals (90 %), and the last third's median "
                                      "TTFT stayed within 2 x the first third's plus one "
                                      "request's latency: no growing queue")
    valid: bool = Field(description="p99 TTFT and p99 TPOT within the SLO, and kept up")


class LlmServerFigures(Figures):
    mode: str = Field(description="'poisson' (open loop at target_rate) or 'closed' (each "
                                  "generator issues its next request when one completes)")
    target_rate: float | None = Field(None, description="requests/s asked for (poisson)")
    offered_rate: float | None = Field(
        None, description="requests issued per second of the seeded schedule (poisson)")
    achieved_rate: float = Field(description="requests completed per second of the run")
    concurrency: int = Field(description="generators serving requests at once")
    batched: bool = Field(False, description="requests share a batch (False: each "
                                             "generator runs its own batch-1 steps)")
    prompt_tokens: str = Field(description="the prompt-length spec, e.g. 'uniform:32-128'")
    output_tokens: str = Field(description="the output-length spec")
    prompt_tokens_mean: float
    output_tokens_mean: float
    requests: int = Field(description="requests completed and measured")
    output_tokens_per_s: float = Field(description="generated tokens over the run")
    ttft_ms: Percentiles
    tpot_ms: Percentiles
    itl_ms: Percentiles
    e2e_ms: Percentiles
    slo_ttft_ms: float
    slo_tpot_ms: float
    good_requests: int
    goodput: float = Field(description="requests/s whose TTFT and TPOT both met the SLO")
    meets_slo: bool = Field(description="p99 TTFT and p99 TPOT within the SLO")
    abandoned: int = Field(0, description="issued requests not started by max_duration")
    ttft_samples_ns: list[int] = Field(default_factory=list, description="per request, in "
                                                                         "completion order")
    tpot_samples_ns: list[int] = Field(default_factory=list, description="per request")
    search: list[RateTrial] = Field(default_factory=list,
                                    description="--find-max-rate trials, in order")
