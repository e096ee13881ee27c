"""LLM figures (``bench.result.llm.LlmMetrics``) from the raw timings of generations, and the
llama-bench grid of tests. Pure arithmetic over recorded nanoseconds, plus the grid's plan.

A generation's record is ``[prompt, step 1, step 2, ...]`` in ns. With the genai engine step 1
is the first sampling (the first token comes from the prompt's logits), so TTFT = prompt +
step 1 and the decode steps are steps 2..n; with a plain session the first token is the
argmax of the prompt run's logits, so TTFT = the prompt run and every later step is a decode
``run()``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bench.result.llm import LlmMetrics, LlmTest, Quantiles, Rate, tpot_ns

if TYPE_CHECKING:
    from bench.spec import RunSettings

PrefillFn = Callable[[int], int]  # prompt tokens -> ns of prompt processing
DecodeFn = Callable[[int, int], int]  # (depth, tokens) -> ns of generating them after depth


@dataclass(frozen=True)
class Timings:
    """Raw timings of a run of generations, before they are summarised."""

    engine: str
    convention: str
    prompt_length: int
    new_tokens: int
    records: Sequence[Sequence[int]]
    first_step_samples: bool  # genai: step 1 is the first sampling, not a decode step
    model_load_ns: int
    kv_cache_bytes: int
    peak_rss_bytes: int | None = None


def split(t: Timings) -> tuple[list[int], list[int], list[int]]:
    """(TTFT per generation, ITL per token after the first, total per generation), ns."""
    ttft, itl, total = [], [], []
    for r in t.records:
        head = 2 if t.first_step_samples else 1
        ttft.append(int(sum(r[:head])))
        itl.extend(int(x) for x in r[head:])
        total.append(int(sum(r)))
    return ttft, itl, total


def summarise(t: Timings, tests: Sequence[LlmTest] = ()) -> LlmMetrics:
    ttft, itl, total = split(t)
    head = 2 if t.first_step_samples else 1
    prompt_rates = [t.prompt_length / (r[0] / 1e9) for r in t.records if r[0] > 0]
    decode_rates = [len(r[head:]) / (sum(r[head:]) / 1e9) for r in t.records
                    if len(r) > head and sum(r[head:]) > 0]
    tokens_out = len(t.records[0]) - (1 if t.first_step_samples else 0) if t.records else 0
    itl_mean_ms = float(np.mean(itl)) / 1e6 if itl else 0.0
    return LlmMetrics(
        engine=t.engine, convention=t.convention, prompt_length=t.prompt_length,
        new_tokens=t.new_tokens, generations=len(t.records), model_load_ms=t.model_load_ns / 1e6,
        prompt_tokens_per_s=Rate.of(prompt_rates), decode_tokens_per_s=Rate.of(decode_rates),
        time_to_first_token_ms=Quantiles.of_ns(ttft),
        time_per_output_token_ms=Quantiles.of_ns(tpot_ns(ttft, total, tokens_out)),
        inter_token_latency_ms=Quantiles.of_ns(itl),
        second_plus_token_rate=1000.0 / itl_mean_ms if itl_mean_ms else 0.0,
        peak_rss_bytes=t.peak_rss_bytes, kv_cache_bytes=t.kv_cache_bytes,
        sampling_included=t.first_step_samples, tests=list(tests), ttft_ns=ttft, itl_ns=itl)


def run_tests(prompts: Sequence[int], new_tokens: Sequence[int], depth: int,
              repetitions: int, prefill: PrefillFn, decode: DecodeFn) -> list[LlmTest]:
    """llama-bench's grid: ``pp<p>`` for each prompt length, ``tg<n>`` (``@d<depth>``) for
    each generation length, each ``repetitions`` times (t/s mean ± sd)."""
    tests = []
    for p in prompts:
        rates = [p / (prefill(p) / 1e9) for _ in range(repetitions)]
        tests.append(LlmTest(name=f"pp{p}", prompt_tokens=p, new_tokens=0,
                             tokens_per_s=Rate.of(rates)))
    for n in new_tokens:
        rates = [n / (decode(depth, n) / 1e9) for _ in range(repetitions)]
        name = f"tg{n}" + (f"@d{depth}" if depth else "")
        tests.append(LlmTest(name=name, prompt_tokens=0, new_tokens=n, depth=depth,
                             tokens_per_s=Rate.of(rates)))
    return tests


def grid(settings: RunSettings, prompt_length: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The (pp, tg) lengths of the llama-bench grid: run when a list or a depth is given;
    an axis given as one number is that number."""
    s = settings
    if not (s.sweep_prompt or s.sweep_new_tokens or s.context_depth):
        return (), ()
    return s.sweep_prompt or (prompt_length,), s.sweep_new_tokens or (s.new_tokens,)


def kv_cache_bytes(layers: int, kv_heads: int, head_dim: int, tokens: int,
                   itemsize: int = 4) -> int:
    """Bytes of a KV cache of ``tokens`` positions (keys and values of every layer)."""
    return 2 * layers * kv_heads * head_dim * tokens * itemsize
