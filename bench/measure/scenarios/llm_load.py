"""The load of ``--scenario llm-server``: request lengths, the SLO, and the arrival
schedule, all from flags and the run's seed.

Length specs (``--prompt-tokens``, ``--output-tokens``): ``N`` for every request, or
``uniform:LOW-HIGH`` for integers drawn uniformly from LOW..HIGH inclusive, from a generator
seeded with the run's ``--seed``; the same seed gives the same requests. Output lengths
count every generated token (the first included, so at least 2: TPOT needs a second).

SLO (``--slo``): ``ttft=2000ms,tpot=100ms``; units ms, s or us; a key left out keeps its
default, MLPerf Inference's llama3.1-8b server constraints (TTFT 2 s, TPOT 100 ms).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from bench.stats.arrivals import poisson_arrivals_ns

DEFAULT_PROMPT_TOKENS = "uniform:32-128"
DEFAULT_OUTPUT_TOKENS = "uniform:16-64"
DEFAULT_SLO_TTFT_MS = 2000.0
DEFAULT_SLO_TPOT_MS = 100.0
MAX_TOKENS = 1 << 20  # a length beyond any context window is a typo
_CHUNK = 4096

_LENGTH = re.compile(r"^(?:(\d+)|uniform:(\d+)-(\d+))$")
_SLO_ITEM = re.compile(r"^(ttft|tpot)=([0-9]*\.?[0-9]+(?:[eE][-+]?\d+)?)(ms|s|us)$")
_UNIT_MS = {"ms": 1.0, "s": 1000.0, "us": 0.001}


@dataclass(frozen=True)
class LengthSpec:
    """Token counts per request: ``low == high`` for a fixed length."""

    low: int
    high: int

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    def text(self) -> str:
        return str(self.low) if self.low == self.high else f"uniform:{self.low}-{self.high}"


def parse_length(flag: str, text: str, least: int = 1) -> LengthSpec:
    """``N`` or ``uniform:LOW-HIGH``; a ``ValueError`` naming the flag otherwise."""
    match = _LENGTH.match(text.strip())
    hint = f"expected N or uniform:LOW-HIGH tokens (e.g. {flag} uniform:32-128)"
    if not match:
        raise ValueError(f"{flag} {text!r}: {hint}")
    fixed, low, high = match.groups()
    spec = LengthSpec(int(fixed), int(fixed)) if fixed else LengthSpec(int(low), int(high))
    if spec.low > spec.high:
        raise ValueError(f"{flag} {text!r}: LOW must not exceed HIGH; {hint}")
    if spec.low < least:
        raise ValueError(f"{flag} {text!r}: at least {least} tokens"
                         + (" (TPOT needs a second token)" if least == 2 else ""))
    if spec.high > MAX_TOKENS:
        raise ValueError(f"{flag} {text!r}: at most {MAX_TOKENS:,} tokens")
    return spec


@dataclass(frozen=True)
class Slo:
    ttft_ms: float = DEFAULT_SLO_TTFT_MS
    tpot_ms: float = DEFAULT_SLO_TPOT_MS

    def text(self) -> str:
        return f"ttft={self.ttft_ms:g}ms,tpot={self.tpot_ms:g}ms"


def parse_slo(text: str | None) -> Slo:
    """``ttft=2000ms,tpot=100ms`` (either key may be left out); ``ValueError`` otherwise."""
    if text is None:
        return Slo()
    hint = "expected ttft=TIME,tpot=TIME with ms, s or us (e.g. --slo ttft=2000ms,tpot=100ms)"
    values: dict[str, float] = {}
    for item in text.replace(" ", "").split(","):
        match = _SLO_ITEM.match(item)
        if not match:
            raise ValueError(f"--slo {text!r}: {item!r} is not KEY=TIME; {hint}")
        key, number, unit = match.groups()
        if key in values:
            raise ValueError(f"--slo {text!r}: {key} given twice")
        ms = float(number) * _UNIT_MS[unit]
        if not 0 < ms < float("inf"):
            raise ValueError(f"--slo {text!r}: {key} must be a positive time")
        values[key] = ms
    return Slo(ttft_ms=values.get("ttft", DEFAULT_SLO_TTFT_MS),
               tpot_ms=values.get("tpot", DEFAULT_SLO_TPOT_MS))


@dataclass(frozen=True)
class Request:
    index: int
    prompt_tokens: int
    output_tokens: int


def requests(prompt: LengthSpec, output: LengthSpec, seed: int) -> Iterator[Request]:
    """The seeded, endless sequence of requests: request i has the same lengths for the
    same seed, whatever the rate or the concurrency."""
    rng = np.random.default_rng([seed, 1])
    index = 0
    while True:
        prompts = rng.integers(prompt.low, prompt.high + 1, size=_CHUNK)
        outputs = rng.integers(output.low, output.high + 1, size=_CHUNK)
        for p, o in zip(prompts.tolist(), outputs.tolist(), strict=True):
            yield Request(index, p, o)
            index += 1


def arrivals(rate_per_s: float, seed: int, start_ns: int) -> Iterator[int]:
    """Poisson arrival times (ns, after ``start_ns``) at ``rate_per_s``, seeded apart from
    the lengths (``[seed, 2]``), generated a chunk at a time."""
    rng = np.random.default_rng([seed, 2])
    offset = start_ns
    while True:
        chunk = poisson_arrivals_ns(rate_per_s, _CHUNK, rng, offset)
        offset = int(chunk[-1])
        yield from chunk.tolist()
