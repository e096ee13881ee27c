"""One request's generation on a decoder of the ``llm_decoder`` convention (see
``bench/zoo/builders/decoder.py`` and ``token_generation``): a prefill of the prompt with
an empty past, then one decode step per further token, greedy (argmax), each step's
``present.*`` fed back as the next ``past_key_values.*``. A :class:`Generator` holds only
what every request shares (the session's ``run`` and the I/O names); each call keeps its own
KV state in local variables, so several threads may generate at once on one session
(onnxruntime's ``run`` is thread-safe and releases the GIL).

A token's time is taken once its id is known (after the argmax): what a user waits for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from time import perf_counter_ns

import numpy as np

from bench.measure.scenarios.base import RunFn

_PAST = re.compile(r"^past_key_values\.(\d+)\.(key|value)$")


@dataclass(frozen=True)
class Generator:
    infer: RunFn
    ids: np.ndarray  # the seeded input_ids row the prompts are cut from, [1, n]
    empty: Mapping[str, np.ndarray]  # every past input with length 0
    fed_back: tuple[tuple[int, str], ...]  # (output index of present.*, past input name)
    logits_at: int

    @classmethod
    def of(cls, infer: RunFn, feeds: Mapping[str, np.ndarray], output_names: Sequence[str],
           model: str) -> Generator:
        """The generator of a decoder whose seeded inputs are ``feeds`` (the scenario's
        ``check_model`` refused a model without the convention before the run)."""
        names = list(output_names)
        fed_back = tuple((names.index(k), "past_key_values" + k[len("present"):])
                         for k in names if k.startswith("present."))
        empty = {n: v[:1, :, :0] for n, v in feeds.items() if _PAST.match(n)}
        return cls(infer=infer, ids=np.ascontiguousarray(feeds["input_ids"][:1]),
                   empty=empty, fed_back=fed_back, logits_at=names.index("logits"))

    def prompt(self, length: int, offset: int) -> np.ndarray:
        """``length`` prompt ids, the seeded ids repeated from ``offset`` (a request's index),
        so requests differ; the ids' values do not change a dense model's work."""
        row = self.ids[0]
        picked = np.take(row, np.arange(offset, offset + length) % len(row))
        return picked[None, :].astype(row.dtype)

    def generate(self, prompt: np.ndarray, tokens: int, times: np.ndarray) -> None:
        """Generate ``tokens`` tokens after ``prompt``; ``times[i]`` gets the
        ``perf_counter_ns`` at which token i was ready."""
        feeds: dict[str, np.ndarray] = {"input_ids": prompt, **self.empty}
        for i in range(tokens):
            out = self.infer(None, feeds)
            token = np.argmax(out[self.logits_at][:, -1, :], axis=-1).astype(np.int64)
            times[i] = perf_counter_ns()
            if i + 1 == tokens:
                break
            feeds = {"input_ids": token[:, None]}
            for present, past in self.fed_back:
                feeds[past] = out[present]
