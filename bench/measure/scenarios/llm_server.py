"""LLM serving (``--scenario llm-server``) for decoders of the ``llm_decoder`` convention:
requests with seeded prompt and output lengths (``--prompt-tokens``, ``--output-tokens``,
``llm_load``) arrive as a Poisson process at ``--request-rate`` requests/s, or, without a
rate, in a closed loop that keeps ``--max-concurrency`` requests in flight; they are served
by that many generator threads on one session, each with its own KV cache, batch 1
(``llm_serve``). Per request: TTFT, TPOT, ITL and end-to-end latency; per run: request
throughput, output tokens/s and goodput under ``--slo`` (``bench/result/llm_server.py``).

The measured samples are the requests' end-to-end latencies. A run serves at least 662
requests (MLPerf early stopping's fewest for a p99 claim; more with ``min_queries``), unless
``max_duration`` ends it first. Headline: output tokens/s. Valid only when p99 TTFT and p99
TPOT meet the SLO (MLPerf Inference's LLM server rule; its llama3.1-8b constraints, TTFT 2 s
and TPOT 100 ms, are the default SLO).

``--find-max-rate`` searches the highest valid rate the way ``--find-max-qps`` does for the
server scenario: it starts at the rate the generators sustain at the warm-up's latency,
doubles while a short trial is valid, then bisects, for ``SEARCH_STEPS`` trials, each with
its own seed (``--seed`` + 1 + its index) for lengths and arrivals; a trial
is valid when the SLO holds at p99 and it kept up with its arrivals (``llm_figures.trial_of``).
A trial lasts about ``TRIAL_REQUESTS`` arrivals, at least 0.5 s and a tenth of the min
duration, at most the min duration (1 s at least); the full run then uses the rate found.
The report lists every trial.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from bench.errors import InputError
from bench.measure.scenarios import llm_figures
from bench.measure.scenarios.base import Measurement, RunFn, Scenario, Shapes, Target, Tick, limits
from bench.measure.scenarios.llm_generate import Generator
from bench.measure.scenarios.llm_load import (
    DEFAULT_OUTPUT_TOKENS,
    DEFAULT_PROMPT_TOKENS,
    Slo,
    parse_length,
    parse_slo,
)
from bench.measure.scenarios.llm_serve import Load, serve, warm_up
from bench.measure.scenarios.rate_search import search_rate
from bench.measure.scenarios.registry import register
from bench.result.llm_server import LlmServerFigures, RateTrial
from bench.stats.summary import MIN_QUERIES_FOR_PERCENTILE

if TYPE_CHECKING:
    from bench.result.models import RunResult
    from bench.spec import RunSettings
    from bench.zoo.graph import GraphInput

DEFAULT_CONCURRENCY = 4
SEARCH_STEPS = 7
TRIAL_REQUESTS = 300  # a search trial's length: about this many arrivals
_PAST = re.compile(r"^past_key_values\.\d+\.(key|value)$")


def load_of(settings: RunSettings) -> Load:
    return Load(prompt=parse_length("--prompt-tokens",
                                    settings.prompt_tokens or DEFAULT_PROMPT_TOKENS),
                output=parse_length("--output-tokens",
                                    settings.output_tokens or DEFAULT_OUTPUT_TOKENS, least=2),
                seed=settings.seed)


def concurrency_of(settings: RunSettings) -> int:
    return settings.max_concurrency or DEFAULT_CONCURRENCY


def find_max_rate(gen: Generator, load: Load, settings: RunSettings, concurrency: int,
                  slo: Slo, warmup: Sequence[int]) -> tuple[float, list[RateTrial]]:
    """Double, then bisect, the arrival rate for the highest valid one (module docstring)."""
    typical_s = float(np.median(warmup)) / 1e9 if warmup else 0.01
    min_s = limits(settings)[0]

    def one(i: int, rate: float) -> tuple[RateTrial, bool]:
        trial_s = min(max(0.5, min_s / 10, TRIAL_REQUESTS / rate), max(1.0, min_s))
        trial = settings.model_copy(update={
            "duration_s": trial_s, "max_duration_s": trial_s * 3, "min_queries": 1,
            "ci_target": None, "sustained_s": None})
        # each trial its own schedule: one seed's draw would offer every trial the same
        # few percent more (or less) than its target, and bias the search that way
        own = replace(load, seed=load.seed + 1 + i)
        served = serve(gen, own, trial, rate, concurrency)
        step = llm_figures.trial_of(served, own, slo, rate, concurrency)
        return step, step.valid

    return search_rate(concurrency / max(typical_s, 1e-6), SEARCH_STEPS, one)


@register("llm-server")
class LlmServer(Scenario):
    headline = "output tokens/s"
    percentile = 99.0
    headline_field = "llm_server.output_tokens_per_s"
    higher_is_better = True
    uses = ("request_rate", "max_concurrency", "prompt_tokens", "output_tokens", "slo",
            "find_max_rate")
    concurrent = True
    back_to_back = False
    result_field = "llm_server"

    def check_settings(self, settings: RunSettings) -> None:
        load_of(settings)
        parse_slo(settings.slo)
        if settings.find_max_rate and settings.request_rate is not None:
            raise ValueError("--find-max-rate searches the request rate: leave out "
                             "--request-rate")

    def check_model(self, model: str, inputs: Sequence[GraphInput],
                    settings: RunSettings) -> None:
        names = [g.name for g in inputs]
        if "input_ids" not in names or not any(_PAST.match(n) for n in names):
            raise InputError(
                f"model {model!r} is not a decoder: --scenario llm-server needs inputs "
                "input_ids and past_key_values.{i}.key/.value (the llm_decoder convention, "
                "e.g. llm_decoder_tiny)")

    def run(self, infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
            tick: Tick | None = None, target: Target | None = None) -> Measurement:
        gen = Generator.of(infer, feeds, target.output_names if target else (),
                           target.model if target else "?")
        load, slo, concurrency = load_of(settings), parse_slo(settings.slo), \
            concurrency_of(settings)
        warmup = warm_up(gen, load, settings.warmup)
        rate, search = settings.request_rate, []
        if settings.find_max_rate:
            rate, search = find_max_rate(gen, load, settings, concurrency, slo, warmup)
        least = max(settings.min_queries, MIN_QUERIES_FOR_PERCENTILE[99])
        served = serve(gen, load, settings.model_copy(update={"min_queries": least}), rate,
                       concurrency, tick)
        figures = llm_figures.figures_of(served, load, slo, rate, concurrency, search)
        return Measurement(
            samples_ns=served.e2e_ns, warmup_samples_ns=warmup, duration_ns=served.duration_ns,
            ended_by=served.ended_by, ends_ns=served.ends_ns, headline_percentile=99.0,
            ci=served.ci, figures=figures)

    def validity(self, settings: RunSettings, measured: Measurement) -> list[str]:
        f = measured.figures
        return llm_figures.reasons(f) if isinstance(f, LlmServerFigures) else []

    def roofline_query(self, settings: RunSettings, measured: Measurement,
                       shapes: Shapes) -> tuple[Shapes, float]:
        # a request ~ (prompt + output - 1) one-token steps; one step ~ half a two-token
        # step at past 0, as token-generation counts it (a lower bound)
        f = measured.figures
        tokens = (f.prompt_tokens_mean + f.output_tokens_mean - 1
                  if isinstance(f, LlmServerFigures) else 1.0)
        two = {n: ((s[0], 2) if n == "input_ids" else s) for n, s in shapes.items()}
        return two, 0.5 * max(tokens, 1.0)

    def section(self, result: RunResult) -> list[str]:
        f = result.llm_server
        return llm_figures.lines(f) if f is not None else []
