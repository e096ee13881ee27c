"""Run settings and the flags that describe model inputs (``--shape``, ``--dim``,
``--value``). Each flag's name may be scoped to one model of the run, ``MODEL:NAME``; the
planner decides what a name refers to (``bench.zoo.binding``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import Field, model_validator

from bench.errors import InputError
from bench.measure.scenarios import get_scenario, list_scenarios
from bench.spec import limits
from bench.spec.base import Precision, ScenarioName, Spec
from bench.spec.limits import (
    Concurrency,
    ConcurrencyOrAuto,
    Fraction,
    PositiveFinite,
    Queries,
    Samples,
    Seconds,
    Warmup,
)

MAX_REPEATS = 1000  # fresh processes a run may be split across

# Intra-op threads: a count, or "auto" (a short trial in fresh processes picks one).
ThreadCount = limits.Threads | Literal["auto"]

SpecText = Annotated[str, Field(max_length=200)]  # parsed by the scenario that uses it

# token-generation's llama-bench-style settings (bench/measure/scenarios/token_generation.py)
LLM_FIELDS = ("repetitions", "context_depth", "sweep_prompt", "sweep_new_tokens")
# The RunSettings fields that belong to scenarios (the rest apply to every scenario).
SCENARIO_FIELDS = ("samples_per_query", "concurrency", "batch", "target_qps",
                   "latency_bound_ms", "find_max_qps", "prompt_length", "new_tokens",
                   *LLM_FIELDS)


def flag_of(field: str) -> str:
    """The ``edgebench run`` flag that sets a RunSettings field (``target_qps`` ->
    ``--target-qps``; the duration fields drop their ``_s``)."""
    return "--" + field.removesuffix("_s").replace("_", "-")


# llm-server's settings (bench/measure/scenarios/llm_server.py), scenario fields too.
SCENARIO_FIELDS += ("request_rate", "max_concurrency", "prompt_tokens", "output_tokens",
                    "slo", "find_max_rate")


class RunOverrides(Spec):
    """Run-length settings a file may override (a profile's workload, a batch plan); each
    unset field keeps what the run would use otherwise."""

    duration_s: Seconds | None = None
    min_queries: Queries | None = None
    max_duration_s: Seconds | None = None
    warmup: Warmup | None = None
    threads: ThreadCount | None = None
    seed: int | None = Field(None, ge=0)
    repeats: int | None = Field(None, ge=1, le=MAX_REPEATS)


class RunSettings(Spec):
    """How one workload is measured. ``min_queries`` and ``max_duration_s`` follow MLPerf
    Mobile's normal run; the duration is its quick run's 10 s, split across the default
    fresh processes (``repeats``): more processes, not a longer one, make a headline that
    holds on a re-run (README, "Repeats")."""

    scenario: ScenarioName = "single-stream"
    precision: Precision = "fp32"
    # Numbers are bounded by the machine (bench.spec.limits), in flags and files alike.
    duration_s: Seconds = Field(10.0, description="minimum measured duration, over all "
                                                  "processes")
    min_queries: Queries = Field(1024, description="minimum number of measured queries")
    max_duration_s: Seconds = Field(
        600.0, description="hard limit; a run stopped here before min_queries is invalid"
    )
    warmup: Warmup = Field(10, description="warm-up queries, timed and reported apart")
    threads: ThreadCount | None = Field(
        None, description="intra-op threads (None: runtime default; 'auto': chosen by a "
                          "short trial in fresh processes)")
    seed: int = Field(0, ge=0, description="seed of the input generator")
    repeats: int | None = Field(
        None, ge=1, le=MAX_REPEATS,
        description="fresh worker processes the run is split across, one after another "
                    "(1: this process; None: the default, see plan)")
    shapes: dict[str, tuple[int, ...]] = Field(default_factory=dict)
    values: dict[str, limits.Finite] = Field(default_factory=dict)
    dims: dict[str, int] = Field(default_factory=dict, description="named dim -> size (--dim)")
    custom_ops: tuple[str, ...] = Field(
        (), description="shared libraries of custom operators every session registers")
    # Scenario settings: each scenario names the ones it uses (``Scenario.uses``, in
    # bench/measure/scenarios/); a setting given to a scenario that does not use it is refused.
    samples_per_query: Samples = Field(8, description="multi-stream: samples per query")
    concurrency: ConcurrencyOrAuto = Field(
        1, description="offline/server: parallel requests; 'auto' sweeps threads x concurrency")
    batch: Samples = Field(1, description="offline: samples per request (dynamic batch dim)")
    target_qps: PositiveFinite | None = Field(None, description="server: Poisson arrival rate")
    latency_bound_ms: PositiveFinite | None = Field(None, description="server: p99 bound")
    find_max_qps: bool = Field(False, description="server: search the highest valid QPS")
    ci_target: Fraction | None = Field(
        None, description="early stopping: relative 95% CI half-width to reach")
    sustained_s: Seconds | None = Field(
        None, description="run this long and report throughput per time window")
    prompt_length: Samples | None = Field(None, description="token-generation: prompt tokens")
    new_tokens: Samples = Field(32, description="token-generation: tokens generated per prompt")
    repetitions: Samples = Field(5, description="token-generation: generations at least "
                                                "(llama-bench's -r; mean ± sd over them)")
    context_depth: int = Field(0, ge=0, le=limits.INT32_MAX,
                               description="token-generation: sweep tg after d context tokens")
    sweep_prompt: tuple[Samples, ...] = Field((), description="token-generation: pp grid")
    sweep_new_tokens: tuple[Samples, ...] = Field((), description="token-generation: tg grid")
    engine: Literal["onnxruntime", "genai"] | None = Field(
        None, description="decoders: onnxruntime-genai's generator or a plain session "
                          "(None: genai for an ONNX Runtime GenAI folder)")
    profile_ops: bool = Field(False, description="one extra pass under onnxruntime's profiler")
    check_outputs: bool = Field(False, description="compare outputs with a CPU fp32 reference")
    reference: str | None = Field(None, description="the fp32 reference .onnx for check_outputs")
    loadgen: Literal["native", "mlperf"] = "native"
    request_rate: PositiveFinite | None = Field(
        None, description="llm-server: Poisson arrival rate, requests/s (None: closed loop)")
    max_concurrency: Concurrency | None = Field(
        None, description="llm-server: generators serving requests at once [4]")
    prompt_tokens: SpecText | None = Field(
        None, description="llm-server: prompt tokens per request, N or uniform:LOW-HIGH")
    output_tokens: SpecText | None = Field(
        None, description="llm-server: generated tokens per request, N or uniform:LOW-HIGH")
    slo: SpecText | None = Field(
        None, description="llm-server: ttft=TIME,tpot=TIME [ttft=2000ms,tpot=100ms]")
    find_max_rate: bool = Field(False, description="llm-server: search the highest valid rate")

    @model_validator(mode="after")
    def _check_scenario_flags(self) -> RunSettings:
        """A scenario setting is refused for a scenario that does not use it; then the
        scenario checks its own settings (``Scenario.check_settings``)."""
        if isinstance(self.concurrency, int) and self.concurrency < 1:
            raise ValueError("--concurrency must be a positive integer or 'auto'")
        scenario = get_scenario(self.scenario)
        for name in SCENARIO_FIELDS:
            default = type(self).model_fields[name].default
            if getattr(self, name) != default and name not in scenario.uses:
                users = [s for s in list_scenarios() if name in get_scenario(s).uses]
                raise ValueError(f"{flag_of(name)} only applies to --scenario "
                                 f"{' or '.join(users)} (not {self.scenario})")
        scenario.check_settings(self)
        if self.reference is not None and not self.check_outputs:
            raise ValueError("--reference only applies with --check-outputs")
        if self.sustained_s is not None and (self.repeats or 1) > 1:
            raise ValueError("--sustained runs one long process: use --repeats 1 (or leave "
                             "--repeats out)")
        if self.sustained_s is not None and self.ci_target is not None:
            raise ValueError("--sustained and --ci-target exclude each other "
                             "(a sustained run runs its whole length)")
        return self

    @model_validator(mode="after")
    def _check_schedule(self) -> RunSettings:
        """The queries a server run schedules must fit the memory (bench.spec.limits)."""
        limits.check_schedule(self.target_qps, self.max_duration_s)
        return self

    @classmethod
    def quick(cls, **overrides: object) -> RunSettings:
        """MLPerf Mobile's quick run length: 128 queries, 10 s minimum, 60 s maximum."""
        base: dict[str, object] = {"duration_s": 10.0, "min_queries": 128, "max_duration_s": 60.0}
        return cls.model_validate(base | overrides)



def _split_assignment(flag: str, text: str) -> tuple[str, str]:
    name, sep, rest = text.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise InputError(f"{flag} {text!r}: expected NAME=VALUE (e.g. {flag} x=1,3,224,224)")
    return name.strip(), rest.strip()


def parse_shapes(items: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """Parse repeated ``--shape NAME=D1,D2,...`` flags; dims must be positive integers."""
    shapes: dict[str, tuple[int, ...]] = {}
    for item in items:
        name, rest = _split_assignment("--shape", item)
        try:
            dims = tuple(int(d) for d in rest.split(",")) if rest != "scalar" else ()
        except ValueError:
            raise InputError(
                f"--shape {item!r}: dimensions must be integers separated by commas"
            ) from None
        if any(d <= 0 for d in dims):
            raise InputError(f"--shape {item!r}: every dimension must be a positive integer")
        if any(d > limits.INT64_MAX for d in dims):  # what the inputs take is checked later
            raise InputError(f"--shape {item!r}: a dimension is at most {limits.INT64_MAX}")
        shapes[name] = dims
    return shapes


def parse_dims(items: Iterable[str]) -> dict[str, int]:
    """Parse repeated ``--dim NAME=SIZE`` flags (``NAME`` a named dynamic dim, optionally
    ``MODEL:NAME``); sizes must be positive integers."""
    dims: dict[str, int] = {}
    for item in items:
        name, rest = _split_assignment("--dim", item)
        if not rest.isdigit() or int(rest) <= 0:
            raise InputError(f"--dim {item!r}: the size must be a positive integer "
                             f"(e.g. --dim {name}=1)")
        dims[name] = int(rest)
    return dims


def parse_values(items: Iterable[str]) -> dict[str, float]:
    """Parse repeated ``--value NAME=NUMBER`` flags."""
    values: dict[str, float] = {}
    for item in items:
        name, rest = _split_assignment("--value", item)
        try:
            number = float(rest)
        except ValueError:
            raise InputError(f"--value {item!r}: {rest!r} is not a number") from None
        try:
            values[name] = limits.finite(number)
        except ValueError as exc:
            raise InputError(f"--value {item!r}: {exc}") from None
    return values
