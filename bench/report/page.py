"""One report as the pages show it: what needs attention first, the summary, facts shared by
every result once, each result in words and small tables, the LLM section and the host.
report.html and report.md render this same view; they differ only in markup."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bench.report import units
from bench.report.engine_sections import (
    Table,
    detail_facts,
    latency_table,
    op_table,
    scenario_lines,
)
from bench.report.facts import Fact, Shared, emulation_text, host_facts, result_facts, split_shared
from bench.report.headline import (
    NO_SPREAD,
    Headline,
    Spread,
    headline_of,
    interval_text,
    spread_of,
    spread_text,
)
from bench.report.llm import LlmFigures, llm_results
from bench.report.notes import Attention, attention, status_of
from bench.result.models import Report, RunResult
from bench.stats.summary import nearest_rank

SUMMARY_HEADERS = ("model", "precision", "scenario", "status", "headline", "interval",
                   "throughput", "peak memory")


@dataclass(frozen=True)
class ResultView:
    index: int
    r: RunResult
    status: str  # valid, invalid, failed
    headline: Headline | None
    spread: Spread
    facts: tuple[Fact, ...]  # what this result does not share with every other
    latency: Table | None
    ops: Table | None
    scenario_lines: tuple[str, ...] = ()  # the scenario's own (Scenario.section)
    reasons: tuple[str, ...] = ()  # why it failed or is invalid, in plain words
    variant: str = ""  # e.g. "pp16+tg16", "sustained 3 s": tells like workloads apart

    @property
    def anchor(self) -> str:
        return f"result-{self.index}"

    @property
    def name(self) -> str:
        """The model, and what tells this result apart from others of the same workload."""
        return f"{self.r.model} ({self.variant})" if self.variant else self.r.model

    @property
    def title(self) -> str:
        return f"{self.name} · {self.r.precision} · {self.r.scenario}"

    @property
    def headline_text(self) -> str:
        return self.headline.phrase if self.headline else "no figure"

    @property
    def interval_text(self) -> str:
        return spread_text(self.headline, self.spread) if self.headline else "-"

    @property
    def summary_row(self) -> tuple[str, ...]:
        r = self.r
        return (self.name, r.precision, r.scenario, self.status, self.headline_text,
                interval_text(self.headline, self.spread) if self.headline else "-",
                units.rate(r.throughput_per_s, "samples") if r.throughput_per_s else "-",
                units.size(r.memory.peak_rss_bytes) if r.memory else "-")


@dataclass(frozen=True)
class LlmRow:
    view: ResultView
    figures: LlmFigures

    @property
    def cells(self) -> tuple[str, ...]:
        f = self.figures
        ttft = sorted(f.ttft_ns)
        tpot = sorted(f.tpot_ns)
        return (self.view.r.model, self.view.r.precision, f.name, f"{f.count:,}",
                f"{units.duration(f.ttft_ms)} ({f.ttft_stat})",
                units.duration(nearest_rank(ttft, 90) / 1e6) if ttft else "-",
                f"{units.duration(f.tpot_ms)} ({f.tpot_stat})",
                units.duration(nearest_rank(tpot, 90) / 1e6) if tpot else "-",
                units.rate(f.tokens_per_s, "tokens"))


LLM_HEADERS = ("model", "precision", "workload", "generations", "TTFT", "TTFT p90", "TPOT",
               "TPOT p90", "decode rate")


@dataclass(frozen=True)
class ReportView:
    report: Report
    results: tuple[ResultView, ...]
    attention: tuple[Attention, ...]
    shared: tuple[Shared, ...]
    host: tuple[Fact, ...]
    llm: tuple[LlmRow, ...]
    emulation: str | None

    @property
    def counts(self) -> str:
        by = {s: sum(v.status == s for v in self.results) for s in ("valid", "invalid", "failed")}
        parts = [f"{n} {s}" for s, n in by.items() if n]
        return f"{units.plural(len(self.results), 'result')}: {units.joined(parts) or 'none'}"

    @property
    def llm_notes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for row in self.llm for n in row.figures.notes))


# Settings that tell two results of one workload apart, in the order a reader looks for them.
_VARIANTS = (("prompt_length", "prompt {}"), ("new_tokens", "{} new tokens"),
             ("batch", "batch {}"), ("concurrency", "concurrency {}"),
             ("samples_per_query", "{} per query"), ("target_qps", "{:g} QPS"),
             ("threads", "{} threads"), ("sustained_s", "sustained {:g} s"),
             ("ci_target", "CI target {:.0%}"), ("seed", "seed {}"),
             ("request_rate", "{:g} requests/s"), ("max_concurrency", "{} generators"),
             ("prompt_tokens", "prompts {}"), ("output_tokens", "outputs {}"),
             ("slo", "SLO {}"))


def _told_apart(views: list[ResultView]) -> list[ResultView]:
    """Name what differs between results of the same model, precision and scenario."""
    groups: dict[tuple[str, str, str], list[int]] = {}
    for i, v in enumerate(views):
        groups.setdefault((v.r.model, v.r.precision, v.r.scenario), []).append(i)
    for members in (m for m in groups.values() if len(m) > 1):
        for field, text in _VARIANTS:
            values = [getattr(views[i].r.settings, field) for i in members]
            if len(set(map(str, values))) > 1:
                for i, value in zip(members, values):
                    if value is not None:
                        views[i] = replace(views[i], variant=text.format(value))
                break
    return views


def _unstable(v: ResultView) -> Attention:
    """A valid result whose fresh processes disagree on its headline (issue 14's verdict)."""
    values = sorted(v.spread.per_process)
    spread = (f": from {v.headline.text(values[0])} to {v.headline.text(values[-1])}"
              if v.headline and values else "")
    return Attention(v.index, v.r, "unstable",
                     (f"its {units.plural(len(values), 'process')} disagree on the "
                      f"headline{spread}",))


def build(report: Report) -> ReportView:
    facts = [result_facts(r) + detail_facts(r) for r in report.results]
    shared, own = split_shared(facts)
    views = []
    for i, r in enumerate(report.results):
        headline = headline_of(r)
        views.append(ResultView(
            index=i, r=r, status=status_of(r), headline=headline,
            spread=spread_of(r, headline) if headline else NO_SPREAD, facts=tuple(own[i]),
            latency=latency_table(r), ops=op_table(r), scenario_lines=tuple(scenario_lines(r))))
    views = _told_apart(views)
    items = attention(report.results) + [_unstable(v) for v in views
                                         if v.status == "valid" and v.spread.unstable]
    for a in items:
        views[a.index] = replace(views[a.index], reasons=a.reasons)
    by_result = {id(v.r): v for v in views}
    llm = tuple(LlmRow(by_result[id(r)], f) for r, f in llm_results(report.results))
    return ReportView(report=report, results=tuple(views),
                      attention=tuple(items), shared=tuple(shared),
                      host=tuple(host_facts(report)), llm=llm,
                      emulation=emulation_text(report))
