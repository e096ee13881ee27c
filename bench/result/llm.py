"""The figures LLM users compare, as a report records them (``RunResult.llm``):

- llama-bench: prompt processing (``pp``) and generation (``tg``) in tokens/s as mean ±
  sample standard deviation over the repetitions (``-r 5``), and its grid of tests
  (``pp512``, ``tg128``, ``tg128@d512`` after a context of 512 tokens);
- MLPerf Client: time to first token and the "2nd+ token rate" (1000 / mean latency in ms of
  the tokens after the first);
- vLLM's serving benchmark: TPOT = (generation latency - TTFT) / (output tokens - 1), one per
  generation, and ITL = the gap between consecutive tokens, one per token after the first,
  at p50/p90/p99 (nearest rank);
- model load time, peak resident set and the KV cache's bytes at the end of a generation.

Raw values are kept (``ttft_ns``, ``itl_ns``), so the figures can be summarised again.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import Field

from bench.result.figures import Figures


class Rate(Figures):
    """Tokens/s over repetitions: mean ± sample standard deviation (n - 1; 0 for n = 1)."""

    mean: float
    std: float
    n: int
    values: list[float] = Field(default_factory=list, description="one per repetition")

    @classmethod
    def of(cls, values: Sequence[float]) -> Rate:
        v = np.asarray(values, dtype=float)
        std = float(v.std(ddof=1)) if len(v) > 1 else 0.0
        return cls(mean=float(v.mean()) if len(v) else 0.0, std=std, n=len(v),
                   values=[float(x) for x in v])


class Quantiles(Figures):
    """Milliseconds at p50/p90/p99 (nearest rank) and the mean."""

    p50: float
    p90: float
    p99: float
    mean: float

    @classmethod
    def of_ns(cls, values_ns: Sequence[int]) -> Quantiles:
        v = np.sort(np.asarray(values_ns, dtype=float)) / 1e6
        if not len(v):
            return cls(p50=0.0, p90=0.0, p99=0.0, mean=0.0)

        def rank(p: float) -> float:  # nearest rank: the ceil(p/100 * n)-th smallest
            return float(v[max(int(np.ceil(p / 100 * len(v))) - 1, 0)])

        return cls(p50=rank(50), p90=rank(90), p99=rank(99), mean=float(v.mean()))


class LlmTest(Figures):
    """One llama-bench test: ``pp<n>`` (a prompt of n tokens) or ``tg<n>`` (n tokens
    generated, after ``depth`` context tokens: ``tg<n>@d<depth>``)."""

    name: str
    prompt_tokens: int
    new_tokens: int
    depth: int = 0
    tokens_per_s: Rate


class LlmMetrics(Figures):
    engine: str = Field(description="'onnxruntime-genai' (its Generator) or 'onnxruntime' "
                                    "(a session driven by edgebench)")
    convention: str = Field(description="the decoder's I/O convention (bench.zoo.decoders)")
    prompt_length: int
    new_tokens: int
    generations: int
    model_load_ms: float = Field(description="og.Model / InferenceSession construction")
    prompt_tokens_per_s: Rate = Field(description="pp: prompt tokens / prompt processing")
    decode_tokens_per_s: Rate = Field(description="tg: decode steps / time in them")
    time_to_first_token_ms: Quantiles = Field(
        description="prompt processing + the first token (the engine's first sampling)")
    time_per_output_token_ms: Quantiles = Field(description="one value per generation")
    inter_token_latency_ms: Quantiles = Field(description="one value per token after the first")
    second_plus_token_rate: float = Field(description="MLPerf Client: 1000 / mean ITL in ms")
    peak_rss_bytes: int | None = None
    kv_cache_bytes: int = Field(description="the KV cache at the end of a generation")
    sampling_included: bool = Field(description="whether token latencies include the "
                                                "engine's sampling (genai) or not (argmax "
                                                "outside the timed run())")
    tests: list[LlmTest] = Field(default_factory=list, description="the pp/tg sweep grid")
    ttft_ns: list[int] = Field(default_factory=list)
    itl_ns: list[int] = Field(default_factory=list)


def tpot_ns(ttft: Sequence[int], totals: Sequence[int], new_tokens: int) -> list[int]:
    """vLLM's TPOT of each generation: (latency - TTFT) / (output tokens - 1)."""
    if new_tokens < 2:
        return []
    return [int((t - f) / (new_tokens - 1)) for f, t in zip(ttft, totals)]
