"""Token generation for decoder models with the ``llm_decoder`` I/O convention (see
``bench/zoo/builders/decoder.py``): one generation is a prefill of the prompt (``past`` = 0)
followed by ``new_tokens`` decode steps of one token each, greedy (argmax), with every
step's ``present.*`` fed back as the next step's ``past_key_values.*``.

Figures: time to first token = the prefill ``run()`` (the first token is the argmax of its
last logits); time per output token = one decode ``run()``; decode tokens/s = decode steps
over the time spent in them. The measured samples (``samples_ns``) are the decode steps;
the prefill latencies are reported apart (``details['prefill_ns']``). Generations repeat
until the run ends; ``min_queries`` counts decode steps and early stopping watches the CI of
their median. Only ``run()`` calls are timed; the argmax and the feed-back between steps
are outside the timed region. The prompt is the generated ``input_ids`` (its ``seq`` dim),
or, with ``prompt_length``, those ids repeated or cut to that length.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Mapping, Sequence
from time import perf_counter_ns

import numpy as np

from bench.errors import InputError
from bench.measure.scenarios.base import (
    Measurement,
    RunFn,
    Stopper,
    Target,
    Tick,
    expected_queries,
    register,
)
from bench.spec import RunSettings

_PAST = re.compile(r"^past_key_values\.(\d+)\.(key|value)$")


def check_decoder(model: str, input_names: Sequence[str]) -> None:
    """Refuse a model without the decoder I/O convention, naming what is missing."""
    pasts = [n for n in input_names if _PAST.match(n)]
    if "input_ids" not in input_names or not pasts:
        raise InputError(
            f"model {model!r} is not a decoder: --scenario token-generation needs inputs "
            "input_ids and past_key_values.{i}.key/.value (the llm_decoder convention)")


def _prompt(feeds: Mapping[str, np.ndarray], length: int | None) -> np.ndarray:
    ids = feeds["input_ids"]
    if length is None:
        return ids
    return np.resize(ids, (ids.shape[0], length)).astype(ids.dtype)


@register("token-generation")
class TokenGeneration:
    name = "token-generation"
    percentile = 50.0

    def run(self, infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
            tick: Tick | None = None, target: Target | None = None) -> Measurement:
        names = tuple(target.output_names) if target else ()
        check_decoder(target.model if target else "?", list(feeds))
        prompt = _prompt(feeds, settings.prompt_length)
        empty = {n: v[:, :, :0] for n, v in feeds.items() if _PAST.match(n)}
        fed_back = [(names.index(k), "past_key_values" + k[len("present"):]) for k in names
                    if k.startswith("present.")]
        logits_at = names.index("logits")
        steps = settings.new_tokens

        def generation(record: list[int]) -> None:
            """One prefill and ``steps`` decode steps; record[0] is the prefill time."""
            step_feeds: dict[str, np.ndarray] = {"input_ids": prompt, **empty}
            for i in range(steps + 1):
                t0 = perf_counter_ns()
                out = infer(None, step_feeds)
                record[i] = perf_counter_ns() - t0
                token = np.argmax(out[logits_at][:, -1, :], axis=-1).astype(np.int64)
                step_feeds = {"input_ids": token[:, None]}
                for present, past in fed_back:
                    step_feeds[past] = out[present]

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
                if count + steps > len(samples):
                    samples = np.concatenate([samples, np.zeros_like(samples)])
                    ends = np.concatenate([ends, np.zeros_like(ends)])
                samples[count:count + steps] = record[1:]
                ends[count:count + steps] = now
                count += steps
                ended_by = stopper.check(now, count, samples)
                if ended_by is not None:
                    break
        finally:
            if gc_was_enabled:
                gc.enable()
        decode = samples[:count]
        decode_s = float(decode.sum()) / 1e9
        return Measurement(
            samples_ns=tuple(decode.tolist()), warmup_samples_ns=tuple(warmup),
            duration_ns=now - start, ended_by=ended_by,
            ends_ns=tuple((ends[:count] - start).tolist()),
            headline_percentile=self.percentile, ci=stopper.final_ci(samples, count),
            details={"prompt_length": int(prompt.shape[1]), "new_tokens": steps,
                     "generations": len(prefill), "prefill_ns": prefill,
                     "decode_tokens_per_s": (count * prompt.shape[0] / decode_s
                                             if decode_s else 0.0)})
