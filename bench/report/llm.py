"""LLM results as the pages show them: one :class:`LlmFigures` per result, whatever record
of the report holds it.

A record of LLM figures (today ``token_generation``; an llm-server scenario or a
llama-bench-style sweep adds its own) becomes readable by registering one reader here::

    @reads("llm_server")
    def _llm_server(r: RunResult) -> LlmFigures | None: ...

and the LLM section of report.html and report.md, the headline and the tokens/s-per-prompt
chart pick it up. Pure functions over values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.report import units
from bench.result.llm import LlmMetrics, Quantiles, Rate
from bench.result.models import RunResult

Reader = Callable[[RunResult], "LlmFigures | None"]


@dataclass(frozen=True)
class LlmFigures:
    """What an LLM result shows: time to first token and time per output token as
    distributions (ns, one value per generation or step), tokens/s, and the settings that
    name the workload (llama-bench's ``pp``/``tg`` lengths)."""

    kind: str  # "token generation"
    prompt_length: int
    new_tokens: int | None
    ttft_ns: tuple[int, ...]  # time to first token, one per request or generation
    tpot_ns: tuple[int, ...]  # time per output token, one per decode step
    tokens_per_s: float  # the decode rate the result is judged by
    ttft_ms: float  # the TTFT figure the result states
    tpot_ms: float  # the TPOT figure the result states
    count: int  # generations or requests
    ttft_stat: str = "median"  # which statistic ttft_ms is
    tpot_stat: str = "mean"
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """llama-bench's naming: ``pp16+tg32``."""
        return f"pp{self.prompt_length}" + (f"+tg{self.new_tokens}" if self.new_tokens else "")


_READERS: dict[str, Reader] = {}


def reads(field: str) -> Callable[[Reader], Reader]:
    """Register the reader of one RunResult field of LLM figures; a duplicate raises."""

    def decorate(reader: Reader) -> Reader:
        if field in _READERS:
            raise ValueError(f"an LLM figures reader for {field!r} is already registered")
        _READERS[field] = reader
        return reader

    return decorate


def llm_figures(r: RunResult) -> LlmFigures | None:
    """The LLM figures of ``r``, from the first registered record it holds."""
    for field, reader in _READERS.items():
        if getattr(r, field, None) is not None:
            figures = reader(r)
            if figures is not None:
                return figures
    return None


def llm_results(results: Sequence[RunResult]) -> list[tuple[RunResult, LlmFigures]]:
    return [(r, f) for r in results if r.status == "ok" and (f := llm_figures(r)) is not None]


def _quantiles(name: str, q: Quantiles) -> str:
    return f"{name} p50/p90/p99 {q.p50:.3f}/{q.p90:.3f}/{q.p99:.3f} ms"


def _rate(rate: Rate) -> str:
    return f"{rate.mean:.1f} ± {rate.std:.1f} tokens/s"


def llm_notes(model: str, m: LlmMetrics) -> tuple[str, ...]:
    """The figures of a result's ``llm`` record, in words (one line each)."""
    grid = ", ".join(f"{t.name} {_rate(t.tokens_per_s)}" for t in m.tests)
    sampling = "sampling included" if m.sampling_included else "argmax outside the timed run()"
    memory = f"peak RSS {units.size(m.peak_rss_bytes)}; " if m.peak_rss_bytes else ""
    return tuple(line for line in (
        f"{model} ({m.engine}, {m.convention} convention, {sampling}): pp{m.prompt_length} "
        f"{_rate(m.prompt_tokens_per_s)}, tg{m.new_tokens} {_rate(m.decode_tokens_per_s)} "
        f"over {m.generations} generations; 2nd+ token rate {m.second_plus_token_rate:.1f} "
        "tokens/s",
        f"{model}: {_quantiles('TTFT', m.time_to_first_token_ms)}; "
        f"{_quantiles('TPOT', m.time_per_output_token_ms)}; "
        f"{_quantiles('ITL', m.inter_token_latency_ms)}",
        f"{model}: model load {m.model_load_ms:.1f} ms; {memory}KV cache "
        f"{units.size(m.kv_cache_bytes)} at the end of a generation",
        f"{model}: llama-bench grid: {grid}" if grid else "") if line)


@reads("llm")
def _llm(r: RunResult) -> LlmFigures | None:
    m = r.llm
    if m is None:
        return None
    first = "prompt processing and the first token" if m.sampling_included else "the prefill run()"
    return LlmFigures(
        kind="token generation", prompt_length=m.prompt_length, new_tokens=m.new_tokens,
        ttft_ns=tuple(m.ttft_ns), tpot_ns=tuple(m.itl_ns),
        tokens_per_s=m.decode_tokens_per_s.mean, ttft_ms=m.time_to_first_token_ms.p50,
        tpot_ms=m.inter_token_latency_ms.mean, count=m.generations,
        notes=(f"time to first token: {first}, median over generations; time per output "
               "token: the mean gap between tokens after the first; decode rate: mean of the "
               "generations' tg tokens/s", *llm_notes(r.model, m)))


@reads("token_generation")
def _token_generation(r: RunResult) -> LlmFigures | None:
    t = r.token_generation
    if t is None:
        return None
    return LlmFigures(
        kind="token generation", prompt_length=t.prompt_length, new_tokens=t.new_tokens,
        ttft_ns=tuple(t.prefill_samples_ns), tpot_ns=tuple(r.samples_ns),
        tokens_per_s=t.decode_tokens_per_s, ttft_ms=t.time_to_first_token_ms,
        tpot_ms=t.time_per_output_token_ms, count=t.generations,
        notes=("time to first token: the prefill run(), median over generations; time per "
               "output token: one decode run(), mean",))


@reads("llm_server")
def _llm_server(r: RunResult) -> LlmFigures | None:
    f = r.llm_server
    if f is None:
        return None
    return LlmFigures(
        kind="llm server", prompt_length=round(f.prompt_tokens_mean),
        new_tokens=round(f.output_tokens_mean), ttft_ns=tuple(f.ttft_samples_ns),
        tpot_ns=tuple(f.tpot_samples_ns), tokens_per_s=f.output_tokens_per_s,
        ttft_ms=f.ttft_ms.p99, tpot_ms=f.tpot_ms.p99, count=f.requests, ttft_stat="p99",
        tpot_stat="p99",
        notes=(f"{f.requests} requests, prompts {f.prompt_tokens}, outputs "
               f"{f.output_tokens} tokens; goodput {f.goodput:.2f} requests/s under "
               f"ttft={f.slo_ttft_ms:g}ms,tpot={f.slo_tpot_ms:g}ms; tokens/s: output tokens "
               "of all requests over the run",))
