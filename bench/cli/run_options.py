"""The ``edgebench run`` options of the measurement engine (scenarios, early stopping,
sustained load, operator profile, output check, LoadGen), and the translation of invalid
settings into one-line usage errors that name the flag."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from bench.errors import UsageError
from bench.spec import RunSettings
from bench.spec.run import flag_of

F = TypeVar("F", bound=Callable[..., Any])

def _concurrency(text: str | None) -> int | str | None:
    if text is None or text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"--concurrency {text!r}: expected a positive integer or 'auto'") from None


def _count(flag: str, text: str, what: str, auto: bool = False) -> int | str:
    """A positive integer flag (or 'auto' where allowed); one line naming it otherwise."""
    if auto and text == "auto":
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1 or str(value) != text.strip():
        raise UsageError(f"{flag} {text!r}: expected {what}")
    return value


def _grid(given: dict[str, Any], field: str, sweep: str) -> dict[str, Any]:
    """``--prompt-length 128,512``: the first value for the generations, the list a grid."""
    text = given.get(field)
    if text is None or isinstance(text, int):
        return {}
    try:
        values = [int(v) for v in str(text).split(",")]
    except ValueError:
        raise UsageError(f"{flag_of(field)} {text!r}: expected a positive integer or a comma "
                         "list of them (e.g. 128,512)") from None
    return {field: values[0], **({sweep: tuple(values)} if len(values) > 1 else {})}


def build_settings(quick: bool, given: dict[str, Any]) -> RunSettings:
    """RunSettings from flags; an invalid value is a ``UsageError`` naming its flag."""
    # flags default to None or False when not given; --no-check-outputs is an explicit False
    explicit = {k: v for k, v in given.items()
                if v is not None and (v is not False or k == "check_outputs")}
    if "concurrency" in explicit:
        explicit["concurrency"] = _concurrency(explicit["concurrency"])
    if "threads" in explicit:
        explicit["threads"] = _count("--threads", str(explicit["threads"]),
                                     "a positive integer or 'auto'", auto=True)
    if "repeats" in explicit:
        explicit["repeats"] = _count("--repeats", str(explicit["repeats"]),
                                     "a whole number of processes, at least 1 (1 measures "
                                     "in this process)")
    explicit.update(_grid(explicit, "prompt_length", "sweep_prompt"))
    explicit.update(_grid(explicit, "new_tokens", "sweep_new_tokens"))
    try:
        return RunSettings.quick(**explicit) if quick else RunSettings(**explicit)
    except ValidationError as exc:
        item = exc.errors()[0]
        message = str(item["msg"]).removeprefix("Value error, ")
        field = str(item["loc"][0]) if item["loc"] else ""
        if field in explicit:
            message = message[:1].lower() + message[1:]
            raise UsageError(f"{flag_of(field)} {explicit[field]}: {message}") from None
        raise UsageError(message) from None


LLM_SERVER_OPTIONS = [
    click.option("--request-rate", type=float,
                 help="llm-server: Poisson arrivals, requests/s [closed loop]."),
    click.option("--max-concurrency", type=int,
                 help="llm-server: generators serving requests at once [4]."),
    click.option("--prompt-tokens", metavar="N|uniform:LOW-HIGH",
                 help="llm-server: prompt tokens per request [uniform:32-128]."),
    click.option("--output-tokens", metavar="N|uniform:LOW-HIGH",
                 help="llm-server: generated tokens per request [uniform:16-64]."),
    click.option("--slo", metavar="ttft=TIME,tpot=TIME",
                 help="llm-server: SLO judged at p99 [ttft=2000ms,tpot=100ms]."),
    click.option("--find-max-rate", is_flag=True,
                 help="llm-server: search the highest request rate that meets the SLO."),
]

_OPTIONS = [
    click.option("--samples-per-query", type=int, help="multi-stream: samples per query [8]."),
    click.option("--concurrency", metavar="N|auto",
                 help="offline/server: requests in flight [1]; offline 'auto' sweeps "
                      "threads x concurrency and keeps the best."),
    click.option("--batch", type=int, help="offline: samples per request [1]."),
    click.option("--target-qps", type=float, help="server: Poisson arrival rate (queries/s)."),
    click.option("--latency-bound-ms", type=float,
                 help="server: p99 bound; above it the result is invalid."),
    click.option("--find-max-qps", is_flag=True,
                 help="server: search the highest QPS whose p99 stays within the bound."),
    click.option("--ci-target", type=float,
                 help="Early stopping: end once the 95% CI of the headline percentile is "
                      "within this fraction of it (e.g. 0.01), or at --max-duration."),
    click.option("--sustained", "sustained_s", type=float, metavar="SECONDS",
                 help="Run this long; report throughput per window and throttling."),
    click.option("--prompt-length", metavar="N[,N...]",
                 help="token-generation: prompt tokens [manifest; 128 for a file]; a list "
                      "runs llama-bench's pp grid (pp128, pp512)."),
    click.option("--new-tokens", metavar="N[,N...]",
                 help="token-generation: tokens per prompt [32]; a list runs the tg grid."),
    click.option("--repetitions", type=int,
                 help="token-generation: generations at least, t/s as mean ± sd [5]."),
    click.option("--context-depth", type=int,
                 help="token-generation: the tg grid decodes after this many context tokens [0]."),
    click.option("--engine", type=click.Choice(["genai", "onnxruntime"]),
                 help="decoders: onnxruntime-genai's Generator (pip install 'edgebench[genai]') "
                      "or a plain onnxruntime session [genai for a GenAI folder]."),
    click.option("--profile-ops", is_flag=True,
                 help="One extra pass under onnxruntime's profiler; top operators in the "
                      "report, the trace kept beside it (open it in Perfetto)."),
    click.option("--check-outputs/--no-check-outputs", default=None,
                 help="Compare outputs on the seeded inputs with a CPU fp32 reference "
                      "[on for the certification profiles, else off]."),
    click.option("--reference", type=click.Path(dir_okay=False),
                 help="The fp32 reference .onnx for --check-outputs [the model itself]."),
    click.option("--loadgen", type=click.Choice(["native", "mlperf"]),
                 help="Who issues the queries: edgebench [native] or MLPerf LoadGen "
                      "(pip install 'edgebench[mlperf]')."),
    *LLM_SERVER_OPTIONS,
]


def engine_options(fn: F) -> F:
    for option in reversed(_OPTIONS):
        fn = option(fn)
    return fn
