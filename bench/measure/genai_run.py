"""``--engine genai``: a decoder measured through onnxruntime-genai's Generator
(``bench.device.genai``) instead of a session edgebench drives.

Model load (``og.Model``) is timed on its own; warm-up generations (``--warmup``) are
timed and reported apart; then generations repeat (at least ``--repetitions``) until the run
ends by the usual rule, ``min_queries`` counting tokens after the first. The result's samples
are those tokens' latencies (ITL); its ``llm`` record holds pp/tg t/s (mean ± sd over the
generations), TTFT, TPOT, ITL, the 2nd+ token rate, peak RSS and the KV cache's bytes at the
end of a generation; ``--sweep`` grids add llama-bench tests.
"""

from __future__ import annotations

import gc
from time import perf_counter_ns

import numpy as np

from bench.device import genai
from bench.device.collectors.memory import MemoryCollector
from bench.errors import RunError
from bench.measure import assemble
from bench.measure.llm_figures import (
    Timings,
    grid,
    kv_cache_bytes,
    run_tests,
    split,
    summarise,
)
from bench.measure.plan import Job
from bench.measure.progress import Progress
from bench.measure.scenarios import Measurement
from bench.measure.scenarios.base import Stopper
from bench.result.figures import TokenGenerationFigures
from bench.result.models import ColdStart, LatencyMs, Memory, RunResult
from bench.stats.summary import PERCENTILE_METHOD, LatencySummary, throughput_per_s


def _generations(job: Job, model: object, prompt: np.ndarray, progress: Progress
                 ) -> tuple[list[list[int]], list[int], int, str]:
    s = job.settings
    n = s.new_tokens
    record = np.zeros(n + 1, dtype=np.int64)
    warmup: list[int] = []
    for _ in range(s.warmup):
        genai.generate(model, prompt, n, record)
        warmup.extend(record.tolist())
    records: list[list[int]] = []
    tokens = 0
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = perf_counter_ns()
        stopper = Stopper(s, start, 50.0, progress.tick)
        while True:
            genai.generate(model, prompt, n, record)
            records.append(record.tolist())
            tokens += n - 1
            now = perf_counter_ns()
            ended_by = stopper.check(now, tokens, lambda: np.array(
                [x for r in records for x in r[2:]], dtype=np.int64))
            if ended_by is not None and len(records) >= s.repetitions:
                break
    finally:
        if gc_was_enabled:
            gc.enable()
    return records, warmup, now - start, ended_by or "repetitions met"


def measure_genai(job: Job, progress: Progress) -> RunResult:
    """One workload through onnxruntime-genai; a failure of the engine is a failed result."""
    s, layout = job.settings, job.decoder
    if layout is None or layout.vocab is None:
        raise RunError(f"model {job.model.name!r}: --engine genai needs a GenAI folder")
    prompt_length = next(p.shape[1] for p in job.inputs if p.name == layout.input_ids)
    rng = np.random.default_rng(s.seed)
    prompt = rng.integers(0, layout.vocab, size=(1, prompt_length))
    memory = MemoryCollector()
    memory.start()
    rss_before = memory.rss()
    try:
        model, load_ns = genai.load(job.model.path.parent)
        rss_loaded = memory.rss()
        if s.new_tokens < 2:
            raise RunError("--engine genai needs --new-tokens of at least 2 (the first "
                           "token is the prompt's; decode starts at the second)")
        records, warmup, duration, ended_by = _generations(job, model, prompt, progress)

        def prefill(p: int) -> int:
            return genai.prefill(model, rng.integers(0, layout.vocab, size=(1, p)), 1)[1]

        def decode(depth: int, count: int) -> int:
            ids = rng.integers(0, layout.vocab, size=(1, max(depth, 1)))
            generator, _ = genai.prefill(model, ids, count + 1)
            genai.next_tokens(generator, 1)  # the first token: the prompt's, sampled
            return genai.next_tokens(generator, count)

        tests = run_tests(*grid(s, prompt_length), s.context_depth, s.repetitions, prefill,
                          decode)
        peak = memory.stop()
    except BaseException as exc:
        memory.stop()
        if not isinstance(exc, RunError):
            raise
        return assemble.failed(job, "CPUExecutionProvider", ["the run failed"], str(exc), None)
    kv = kv_cache_bytes(layout.layers, layout.kv_heads or 0, layout.head_dim or 0,
                        prompt_length + s.new_tokens)
    timings = Timings(genai.ENGINE, layout.convention, prompt_length, s.new_tokens, records,
                      True, load_ns, kv, peak)
    llm = summarise(timings, tests)
    ttft, itl, _ = split(timings)
    stats = LatencySummary.from_ns(itl)
    measured = Measurement(samples_ns=tuple(itl), warmup_samples_ns=tuple(warmup),
                           duration_ns=duration, ended_by=ended_by, headline_percentile=50.0)
    reasons = assemble.validity(s, job.scenario, measured)
    return RunResult(
        model=job.model.name, model_sha256=job.model.sha256, precision=s.precision,
        scenario=s.scenario, provider="CPUExecutionProvider",
        input_shapes={p.name: list(p.shape) for p in job.inputs},
        settings=assemble.result_settings(s, job.scenario), percentile_method=PERCENTILE_METHOD,
        status="ok", valid=not reasons, invalid_reasons=reasons,
        latency_ms=LatencyMs(min=stats.min, mean=stats.mean, p50=stats.p50, p90=stats.p90,
                             p95=stats.p95, p99=stats.p99, max=stats.max, std=stats.std),
        throughput_per_s=throughput_per_s(stats.n, 1, duration), queries=stats.n,
        duration_s=duration / 1e9, ended_by=ended_by,
        cold_start=ColdStart(session_create_ms=load_ns / 1e6, first_inference_ms=ttft[0] / 1e6),
        memory=Memory(peak_rss_bytes=peak, peak_rss_method=memory.method,
                      model_load_rss_delta_bytes=rss_loaded - rss_before),
        warmup_samples_ns=list(warmup), samples_ns=list(itl), headline=job.scenario.headline,
        token_generation=TokenGenerationFigures(
            prompt_length=prompt_length, new_tokens=s.new_tokens, generations=len(records),
            time_to_first_token_ms=float(np.median(ttft)) / 1e6,
            time_per_output_token_ms=stats.mean,
            decode_tokens_per_s=llm.decode_tokens_per_s.mean, prefill_samples_ns=ttft),
        llm=llm)
