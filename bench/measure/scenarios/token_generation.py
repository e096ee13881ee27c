"""Token generation for decoder models with the ``llm_decoder`` I/O convention (see
``bench/zoo/builders/decoder.py``): one generation is a prefill of the prompt (``past`` = 0)
followed by ``new_tokens`` decode steps of one token each, greedy (argmax), with every
step's ``present.*`` fed back as the next step's ``past_key_values.*``.

Figures: time to first token = the prefill ``run()`` (the first token is the argmax of its
last logits); time per output token = one decode ``run()``; decode tokens/s = decode steps
over the time spent in them. The measured samples (``samples_ns``) are the decode steps;
the prefill latencies are reported apart (``TokenGenerationFigures.prefill_samples_ns``).
Generations repeat until the run ends; ``min_queries`` counts decode steps and early
stopping watches the CI of their median. Only ``run()`` calls are timed; the argmax and
the feed-back between steps are outside the timed region. The prompt is the generated
``input_ids`` (its ``seq`` dim), or, with ``prompt_length``, those ids repeated or cut to
that length.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping
from time import perf_counter_ns
from typing import TYPE_CHECKING

import numpy as np

from bench.errors import InputError
from bench.measure.decoding import NOT_A_DECODER, Steps, layout_from_names
from bench.measure.llm_figures import DecodeFn, PrefillFn, Timings, grid, run_tests, summarise
from bench.measure.scenarios.base import (
    Measurement,
    RunFn,
    Scenario,
    Shapes,
    Stopper,
    Target,
    Tick,
    expected_queries,
)
from bench.measure.scenarios.registry import register
from bench.result.figures import TokenGenerationFigures

if TYPE_CHECKING:
    from bench.result.models import RunResult
    from bench.spec import RunSettings

def _prompt(feeds: Mapping[str, np.ndarray], name: str, length: int | None) -> np.ndarray:
    ids = feeds[name]
    if length is None:
        return ids
    return np.resize(ids, (ids.shape[0], length)).astype(ids.dtype)


def _grid_runs(infer: RunFn, steps: Steps, prompt: np.ndarray) -> tuple[PrefillFn, DecodeFn]:
    """The llama-bench grid's two kinds of test on a session: a prompt of p tokens (its
    run() timed), and n decode steps after a context of d tokens (their run()s timed)."""
    def ids(length: int) -> np.ndarray:
        return np.resize(prompt, (1, length)).astype(prompt.dtype)

    def prefill(p: int) -> int:
        feeds = steps.first(ids(p))
        t0 = perf_counter_ns()
        infer(None, feeds)
        return perf_counter_ns() - t0

    def decode(depth: int, n: int) -> int:
        context = max(depth, 1)
        out = infer(None, steps.first(ids(context)))
        spent = 0
        for i in range(n):
            feeds = steps.extend(out, steps.token(out), context + i)
            t0 = perf_counter_ns()
            out = infer(None, feeds)
            spent += perf_counter_ns() - t0
        return spent

    return prefill, decode


@register("token-generation")
class TokenGeneration(Scenario):
    headline = "decode tokens/s"
    percentile = 50.0
    headline_field = "token_generation.decode_tokens_per_s"
    higher_is_better = True
    uses = ("prompt_length", "new_tokens", "repetitions", "context_depth", "sweep_prompt",
            "sweep_new_tokens")
    result_field = "token_generation"
    decoder = True

    def run(self, infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
            tick: Tick | None = None, target: Target | None = None) -> Measurement:
        model = target.model if target else "?"
        layout = target.decoder if target is not None else None
        if layout is None:  # not planned (a direct call): the names' convention
            layout = layout_from_names(model, list(feeds))
        if layout is None:
            raise InputError(NOT_A_DECODER.format(model=model))
        steps_of = Steps(model, layout, feeds, tuple(target.output_names) if target else ())
        prompt = _prompt(feeds, layout.input_ids, settings.prompt_length)
        steps = settings.new_tokens

        cache = [0]

        def generation(record: list[int]) -> None:
            """One prefill and ``steps`` decode steps; record[0] is the prefill time."""
            step_feeds = steps_of.first(prompt)
            for i in range(steps + 1):
                t0 = perf_counter_ns()
                out = infer(None, step_feeds)
                record[i] = perf_counter_ns() - t0
                step_feeds = steps_of.extend(out, steps_of.token(out), prompt.shape[1] + i)
            cache[0] = steps_of.cache_bytes(out)

        record = [0] * (steps + 1)
        warmup: list[int] = []
        for _ in range(settings.warmup):
            generation(record)
            warmup.extend(record)
        typical = min(warmup[1:]) if len(warmup) > 1 else 1_000_000
        capacity = expected_queries(settings, typical) + steps
        samples = np.zeros(capacity, dtype=np.int64)
        ends = np.zeros(capacity, dtype=np.int64)
        prefill: list[int] = []
        records: list[list[int]] = []
        count = 0
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            start = perf_counter_ns()
            stopper = Stopper(settings, start, self.percentile, tick)
            while True:
                generation(record)
                now = perf_counter_ns()
                prefill.append(record[0])
                records.append(list(record))
                if count + steps > len(samples):
                    samples = np.concatenate([samples, np.zeros_like(samples)])
                    ends = np.concatenate([ends, np.zeros_like(ends)])
                samples[count:count + steps] = record[1:]
                ends[count:count + steps] = now
                count += steps
                ended_by = stopper.check(now, count, samples)
                if ended_by is not None and len(records) >= settings.repetitions:
                    break
        finally:
            if gc_was_enabled:
                gc.enable()
        decode = samples[:count]
        decode_s = float(decode.sum()) / 1e9
        figures = TokenGenerationFigures(
            prompt_length=int(prompt.shape[1]), new_tokens=steps, generations=len(prefill),
            time_to_first_token_ms=float(np.median(prefill)) / 1e6,
            time_per_output_token_ms=float(decode.mean()) / 1e6 if count else 0.0,
            decode_tokens_per_s=count * prompt.shape[0] / decode_s if decode_s else 0.0,
            prefill_samples_ns=prefill)
        timings = Timings("onnxruntime", layout.convention, int(prompt.shape[1]), steps, records,
                          False, 0, cache[0])
        tests = run_tests(*grid(settings, int(prompt.shape[1])), settings.context_depth,
                          settings.repetitions, *_grid_runs(infer, steps_of, prompt))
        return Measurement(
            samples_ns=tuple(decode.tolist()), warmup_samples_ns=tuple(warmup),
            duration_ns=now - start, ended_by=ended_by,
            ends_ns=tuple((ends[:count] - start).tolist()),
            headline_percentile=self.percentile, ci=stopper.final_ci(samples, count),
            figures=figures, llm=summarise(timings, tests))

    def roofline_query(self, settings: RunSettings, measured: Measurement,
                       shapes: Shapes) -> tuple[Shapes, float]:
        # one decode step ~ half of a two-token step at past = 0 (ONNX shape inference cannot
        # follow the position Range for one token or past > 0); attention over the cache is
        # left out, so this is a lower bound
        two = {n: ((s[0], 2) if n == "input_ids" else s) for n, s in shapes.items()}
        return two, 0.5

    def section(self, result: RunResult) -> list[str]:
        t = result.token_generation
        if t is None:
            return []
        return [f"prompt {t.prompt_length} tokens: time to first token "
                f"{t.time_to_first_token_ms:.3f} ms; {t.new_tokens} new tokens: "
                f"{t.time_per_output_token_ms:.3f} ms per token, "
                f"{t.decode_tokens_per_s:.1f} tokens/s ({t.generations} generations)"]
