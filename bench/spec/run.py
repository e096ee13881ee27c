"""Run settings and the flags that describe model inputs (``--shape``, ``--value``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field, model_validator

from bench.errors import InputError
from bench.spec import limits
from bench.spec.base import Precision, ScenarioName, Spec
from bench.spec.limits import (
    ConcurrencyOrAuto,
    Fraction,
    PositiveFinite,
    Queries,
    Samples,
    Seconds,
    Threads,
    Warmup,
)


class RunOverrides(Spec):
    """Run-length settings a file may override (a profile's workload, a batch plan); each
    unset field keeps what the run would use otherwise."""

    duration_s: Seconds | None = None
    min_queries: Queries | None = None
    max_duration_s: Seconds | None = None
    warmup: Warmup | None = None
    threads: Threads | None = None
    seed: int | None = Field(None, ge=0)


class RunSettings(Spec):
    """How one workload is measured. Defaults follow MLPerf Mobile's normal run length."""

    scenario: ScenarioName = "single-stream"
    precision: Precision = "fp32"
    # Numbers are bounded by the machine (bench.spec.limits), in flags and files alike.
    duration_s: Seconds = Field(60.0, description="minimum measured duration")
    min_queries: Queries = Field(1024, description="minimum number of measured queries")
    max_duration_s: Seconds = Field(
        600.0, description="hard limit; a run stopped here before min_queries is invalid"
    )
    warmup: Warmup = Field(10, description="warm-up queries, timed and reported apart")
    threads: Threads | None = Field(None, description="intra-op threads (None: runtime default)")
    seed: int = Field(0, ge=0, description="seed of the input generator")
    shapes: dict[str, tuple[int, ...]] = Field(default_factory=dict)
    values: dict[str, limits.Finite] = Field(default_factory=dict)
    # Scenario settings (see bench/scenarios/); each is checked against the scenario below.
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
    profile_ops: bool = Field(False, description="one extra pass under onnxruntime's profiler")
    check_outputs: bool = Field(False, description="compare outputs with a CPU fp32 reference")
    reference: str | None = Field(None, description="the fp32 reference .onnx for check_outputs")
    loadgen: Literal["native", "mlperf"] = "native"

    @model_validator(mode="after")
    def _check_scenario_flags(self) -> RunSettings:
        """Flags that only mean something for one scenario are refused elsewhere."""
        if isinstance(self.concurrency, int) and self.concurrency < 1:
            raise ValueError("--concurrency must be a positive integer or 'auto'")
        server_only = [flag for flag, given in (
            ("--target-qps", self.target_qps is not None),
            ("--latency-bound-ms", self.latency_bound_ms is not None),
            ("--find-max-qps", self.find_max_qps)) if given]
        if server_only and self.scenario != "server":
            raise ValueError(f"{server_only[0]} only applies to --scenario server "
                             f"(not {self.scenario})")
        if self.scenario == "server":
            if self.target_qps is None and not self.find_max_qps:
                raise ValueError("--scenario server needs --target-qps QPS or --find-max-qps")
            if self.find_max_qps and self.latency_bound_ms is None:
                raise ValueError("--find-max-qps needs --latency-bound-ms (the bound to keep)")
        if self.concurrency == "auto" and self.scenario != "offline":
            raise ValueError("--concurrency auto only applies to --scenario offline")
        if self.batch > 1 and self.scenario != "offline":
            raise ValueError("--batch only applies to --scenario offline")
        if self.prompt_length is not None and self.scenario != "token-generation":
            raise ValueError("--prompt-length only applies to --scenario token-generation")
        if self.reference is not None and not self.check_outputs:
            raise ValueError("--reference only applies with --check-outputs")
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
