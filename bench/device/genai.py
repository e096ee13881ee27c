"""onnxruntime-genai's engine (the only importer of ``onnxruntime_genai``; the optional extra
``edgebench[genai]``): load a GenAI folder and time one generation the way its own
benchmark (``benchmark/python/benchmark_e2e.py``) does, from token ids (no tokenizer).

One generation of ``n`` tokens from a prompt: ``append_tokens(prompt)`` is the prompt
processing; the first ``generate_next_token()`` samples the first token from the prompt's
logits (time to first token = the two); each later ``generate_next_token()`` runs one
decode step and samples (sampling included: it is part of what a user waits for). Only the
engine's calls are inside the timed regions (``perf_counter_ns``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from time import perf_counter_ns
from typing import Any

import numpy as np

from bench.errors import RunError, UsageError

ENGINE = "onnxruntime-genai"


def installed() -> bool:
    return importlib.util.find_spec("onnxruntime_genai") is not None


def _og() -> Any:
    if not installed():
        raise UsageError("--engine genai needs onnxruntime-genai: pip install "
                         "'edgebench[genai]' (or run the folder with --engine onnxruntime)")
    import onnxruntime_genai as og

    return og


def version() -> str:
    return str(getattr(_og(), "__version__", "?"))


def load(folder: Path) -> tuple[Any, int]:
    """The engine's model of ``folder`` and the ns its construction took."""
    og = _og()
    t0 = perf_counter_ns()
    try:
        model = og.Model(str(folder))
    except Exception as exc:  # og raises RuntimeError with the engine's message
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise RunError(f"{folder}: onnxruntime-genai cannot load it: {first}") from None
    return model, perf_counter_ns() - t0


def generate(model: Any, prompt: np.ndarray, new_tokens: int, record: np.ndarray) -> None:
    """One generation; ``record[0]`` = append_tokens, ``record[1:]`` = each
    generate_next_token (``new_tokens`` of them), in ns."""
    generator, record[0] = prefill(model, prompt, new_tokens)
    for i in range(1, new_tokens + 1):
        t0 = perf_counter_ns()
        generator.generate_next_token()
        record[i] = perf_counter_ns() - t0
    del generator


def prefill(model: Any, prompt: np.ndarray, new_tokens: int) -> tuple[Any, int]:
    """A generator with ``prompt`` appended (its time in ns), ready for ``new_tokens``."""
    og = _og()
    params = og.GeneratorParams(model)
    params.set_search_options(max_length=int(prompt.shape[-1]) + new_tokens, do_sample=False)
    generator = og.Generator(model, params)
    ids = np.ascontiguousarray(prompt.reshape(-1), dtype=np.int32)
    t0 = perf_counter_ns()
    generator.append_tokens(ids)
    return generator, perf_counter_ns() - t0


def next_tokens(generator: Any, count: int) -> int:
    """Time ``count`` generate_next_token calls on a prefilled generator, in ns."""
    t0 = perf_counter_ns()
    for _ in range(count):
        generator.generate_next_token()
    return perf_counter_ns() - t0
