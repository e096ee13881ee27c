"""The figure a result is judged by (its headline) and how uncertain it is (its spread), as
every page draws them: the summary chart, the per-result line and the side-by-side cells.

:class:`Spread` is the one input the uncertainty drawings take: an interval and, where the
result was measured in several fresh processes, each process's own headline and whether
they agree. Today a result holds one process's figures, so :func:`spread_of` gives the
within-process 95 % interval of the headline percentile (the result's ``early_stopping``
record; for an older report without it, the same order-statistic interval computed from
its samples) and no per-process values. A result measured in fresh processes
(``--repeats N``, schema 1.3.0) carries the one interval the report states
(``RunResult.interval``), each process's headline and the stability verdict:
:func:`spread_of` is the one place that reads them, and every drawing shows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bench.report import units
from bench.report.llm import llm_figures
from bench.result.models import RunResult
from bench.stats.intervals import percentile_ci
from bench.stats.summary import nearest_rank

WITHIN_PROCESS = "95% CI within one process"
_PERCENTILE = re.compile(r"^p(\d+(?:\.\d+)?)\b")


@dataclass(frozen=True)
class Headline:
    """A result's headline figure: a latency in ms (lower is better) or a rate per second
    (higher is better)."""

    label: str  # "p90 latency", "samples/s"
    value: float
    rate: bool  # True: per second, higher is better; False: milliseconds
    noun: str = ""  # what a rate counts ("samples", "tokens")

    @property
    def unit(self) -> tuple[float, str]:
        return (1.0, f"{self.noun}/s") if self.rate else units.time_unit(self.value)

    @property
    def phrase(self) -> str:
        """The label and the value, without saying the unit twice: ``p90 latency 4.96 ms``,
        ``decode 542 tokens/s``, ``25,468 samples/s``."""
        label = self.label.removesuffix(f"{self.noun}/s").strip() if self.rate else self.label
        return f"{label} {self.text()}".strip()

    def text(self, value: float | None = None) -> str:
        v = self.value if value is None else value
        return units.rate(v, self.noun) if self.rate else units.duration(v, self.unit)


@dataclass(frozen=True)
class Spread:
    """How uncertain a headline is: what the drawings take.

    ``low``/``high``: the interval, in the headline's unit (None: no interval);
    ``basis``: what the interval is, in words; ``per_process``: the headline of each fresh
    process (empty when measured in one); ``stable``: whether those processes agree (None:
    not judged)."""

    low: float | None
    high: float | None
    basis: str
    per_process: tuple[float, ...] = ()
    stable: bool | None = None

    @property
    def unstable(self) -> bool:
        return self.stable is False


NO_SPREAD = Spread(None, None, "no interval stated")


def _percentile(label: str) -> float | None:
    match = _PERCENTILE.match(label)
    return float(match.group(1)) if match else None


def headline_of(r: RunResult) -> Headline | None:
    """The headline of a measured result (None for a failed one)."""
    if r.status != "ok" or r.latency_ms is None:
        return None
    label = r.headline or "p90 latency"
    llm = llm_figures(r)
    if llm is not None and label.endswith("tokens/s"):
        return Headline(label, llm.tokens_per_s, rate=True, noun="tokens")
    if label.endswith("/s") and r.throughput_per_s is not None:
        return Headline(label, r.throughput_per_s, rate=True, noun=label[:-2].split()[-1])
    p = _percentile(label) or 90.0
    fields = {50.0: r.latency_ms.p50, 90.0: r.latency_ms.p90, 95.0: r.latency_ms.p95,
              99.0: r.latency_ms.p99}
    value = fields.get(p)
    if value is None and r.samples_ns:
        value = nearest_rank(sorted(r.samples_ns), p) / 1e6
    return Headline(label, value if value is not None else r.latency_ms.p90, rate=False)


def process_spread(per_process: tuple[float, ...], low: float | None, high: float | None,
                   stable: bool | None) -> Spread:
    """The spread of a headline measured in several fresh processes (issue 14): the
    interval across them, each process's headline, and whether they agree."""
    return Spread(low, high, f"95% interval across {units.plural(len(per_process), 'process')}",
                  per_process=per_process, stable=stable)


def spread_of(r: RunResult, headline: Headline | None = None) -> Spread:
    """The spread a page shows for ``r``'s headline: the report's own interval of it
    (across fresh processes when there were several), else the within-process interval
    of its percentile."""
    headline = headline or headline_of(r)
    stated = _stated(r, headline)
    if stated is not None:
        return stated
    if headline is None or headline.rate:
        return NO_SPREAD  # a rate has no within-process interval in the report today
    p = _percentile(headline.label) or 90.0
    es = r.early_stopping
    if es is not None and es.percentile == p:
        if es.ci_low_ms is None or es.ci_high_ms is None:
            return Spread(None, None, "too few samples for an interval")
        return Spread(es.ci_low_ms, es.ci_high_ms, WITHIN_PROCESS)
    if not r.samples_ns:
        return NO_SPREAD
    ci = percentile_ci(r.samples_ns, p)
    if ci.low is None or ci.high is None:
        return Spread(None, None, "too few samples for an interval")
    return Spread(ci.low / 1e6, ci.high / 1e6, WITHIN_PROCESS)


def _stated(r: RunResult, headline: Headline | None) -> Spread | None:
    """The interval the result states for ``headline`` (schema 1.3.0), None without one or
    when it is about another figure."""
    iv = r.interval
    if headline is None or iv is None or iv.field.startswith("latency_ms.") == headline.rate:
        return None
    stable = None if r.stability is None or r.stability.verdict == "unknown" else (
        r.stability.verdict == "stable")
    if r.processes is not None and iv.covers == "fresh process":
        values = tuple(run.headline for run in r.processes.runs if run.headline is not None)
        return process_spread(values, iv.low, iv.high, stable)
    if iv.low is None or iv.high is None:
        return Spread(None, None, "too few samples for an interval")
    return Spread(iv.low, iv.high, WITHIN_PROCESS)


def spread_text(headline: Headline, spread: Spread) -> str:
    """``95% CI within one process 4.10–5.30 ms`` or the reason there is none."""
    if spread.low is None or spread.high is None:
        return spread.basis
    if headline.rate:
        return f"{spread.basis} {units.sig(spread.low)}–{units.rate(spread.high, headline.noun)}"
    return f"{spread.basis} {units.interval(spread.low, spread.high, headline.unit)}"


def interval_text(headline: Headline, spread: Spread) -> str:
    """Short: ``95% CI 4.10–5.30 ms`` for the usual within-process interval, the range and
    its basis otherwise (``4.10–5.30 ms, 95% interval across 5 processes``), or why there
    is none."""
    if spread.low is None or spread.high is None:
        return spread.basis
    text = spread_text(headline, spread).removeprefix(spread.basis).strip()
    return f"95% CI {text}" if spread.basis == WITHIN_PROCESS else f"{text}, {spread.basis}"
