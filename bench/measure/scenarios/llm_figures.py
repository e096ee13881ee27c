"""The figures of an llm-server run (``LlmServerFigures``) from what the serving loop
observed, the verdict against the SLO, and the report lines that show them."""

from __future__ import annotations

from collections.abc import Sequence

from bench.measure.scenarios.llm_load import Slo
from bench.measure.scenarios.llm_serve import Load, Served
from bench.result.llm_server import LlmServerFigures, Percentiles, RateTrial
from bench.stats.serving import (
    Distribution,
    distribution_ms,
    good,
    kept_up,
    latencies,
    meets_slo,
    queue_grew,
)

KEEPS_UP = 0.9  # a search trial keeps up when it completes this share of what arrives


def _percentiles(d: Distribution) -> Percentiles:
    return Percentiles(mean=d.mean, p50=d.p50, p90=d.p90, p99=d.p99, max=d.max)


def figures_of(served: Served, load: Load, slo: Slo, rate: float | None, concurrency: int,
               search: Sequence[RateTrial] = ()) -> LlmServerFigures:
    lat = latencies(served.requests)
    seconds = served.duration_ns / 1e9
    count = len(lat)
    tokens = sum(len(r.tokens_ns) for r in served.requests)
    prompts = sum(r.prompt_tokens for r in served.requests)
    good_count = good(lat, slo.ttft_ms, slo.tpot_ms)
    return LlmServerFigures(
        mode="closed" if rate is None else "poisson", target_rate=rate,
        offered_rate=served.offered_rate, achieved_rate=count / seconds if seconds else 0.0,
        concurrency=concurrency, batched=False, prompt_tokens=load.prompt.text(),
        output_tokens=load.output.text(),
        prompt_tokens_mean=prompts / count if count else 0.0,
        output_tokens_mean=tokens / count if count else 0.0, requests=count,
        output_tokens_per_s=tokens / seconds if seconds else 0.0,
        ttft_ms=_percentiles(distribution_ms(lat.ttft_ns)),
        tpot_ms=_percentiles(distribution_ms(lat.tpot_ns)),
        itl_ms=_percentiles(distribution_ms(lat.itl_ns)),
        e2e_ms=_percentiles(distribution_ms(lat.e2e_ns)),
        slo_ttft_ms=slo.ttft_ms, slo_tpot_ms=slo.tpot_ms, good_requests=good_count,
        goodput=good_count / seconds if seconds else 0.0,
        meets_slo=count > 0 and meets_slo(lat, slo.ttft_ms, slo.tpot_ms),
        abandoned=served.abandoned, ttft_samples_ns=lat.ttft_ns.tolist(),
        tpot_samples_ns=lat.tpot_ns.tolist(), search=list(search))


def trial_of(served: Served, load: Load, slo: Slo, rate: float,
             concurrency: int) -> RateTrial:
    """A search trial: valid when the SLO holds at p99, nothing was abandoned, and the
    trial kept up with its arrivals: completions kept pace (``bench.stats.serving.kept_up``)
    and waiting did not grow (``queue_grew``). A short trial can meet a lenient SLO while
    its queue grows."""
    f = figures_of(served, load, slo, rate, concurrency)
    steady = kept_up(served.requests, KEEPS_UP) and not queue_grew(served.requests)
    return RateTrial(target_rate=f.target_rate or 0.0, achieved_rate=f.achieved_rate,
                     requests=f.requests, ttft_p99_ms=f.ttft_ms.p99, tpot_p99_ms=f.tpot_ms.p99,
                     goodput=f.goodput, kept_up=steady,
                     valid=f.meets_slo and f.abandoned == 0 and steady)


def reasons(f: LlmServerFigures) -> list[str]:
    """Why the run is invalid by the scenario's rules (empty: valid)."""
    out = []
    if not f.meets_slo:
        out.append(f"llm-server misses the SLO at p99: TTFT {f.ttft_ms.p99:.1f} ms "
                   f"(SLO {f.slo_ttft_ms:g} ms), TPOT {f.tpot_ms.p99:.1f} ms "
                   f"(SLO {f.slo_tpot_ms:g} ms) over {f.requests} requests")
    if f.abandoned:
        out.append(f"{f.abandoned} issued requests were not served before --max-duration")
    return out


def lines(f: LlmServerFigures) -> list[str]:
    """The scenario's lines in report.md and after ``edgebench run``'s table."""
    if f.mode == "poisson":
        load = (f"Poisson arrivals at {f.target_rate:.2f} requests/s (offered "
                f"{f.offered_rate or 0:.2f}, achieved {f.achieved_rate:.2f} requests/s)")
    else:
        load = f"closed loop, achieved {f.achieved_rate:.2f} requests/s"
    out = [
        f"{load}; {f.concurrency} generators (not batched); prompts {f.prompt_tokens} "
        f"(mean {f.prompt_tokens_mean:.1f}), outputs {f.output_tokens} "
        f"(mean {f.output_tokens_mean:.1f}) tokens",
        "; ".join(f"{name} p50 {d.p50:.2f} ms, p99 {d.p99:.2f} ms" for name, d in
                  (("TTFT", f.ttft_ms), ("TPOT", f.tpot_ms), ("ITL", f.itl_ms),
                   ("E2E", f.e2e_ms))),
        f"{f.output_tokens_per_s:.1f} output tokens/s; goodput {f.goodput:.2f} requests/s "
        f"({f.good_requests} of {f.requests} within ttft={f.slo_ttft_ms:g}ms,"
        f"tpot={f.slo_tpot_ms:g}ms); SLO at p99 {'met' if f.meets_slo else 'MISSED'}",
    ]
    if f.search:
        out.append("rate search: " + ", ".join(
            f"{t.target_rate:.2f} ({'ok' if t.valid else 'over'})" for t in f.search))
    return out
