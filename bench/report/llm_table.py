"""llama-bench's table of LLM results: one row per model and test, tokens/s as mean ± sd
over the repetitions (``pp512``: a prompt of 512 tokens; ``tg128``: 128 tokens generated;
``tg128@d512``: after a context of 512). A result with no grid shows the pp and tg of its
own generations. Pure: rows from results, text from rows."""

from __future__ import annotations

from collections.abc import Sequence

from bench.result.llm import LlmMetrics, Rate
from bench.result.models import RunResult

HEADER = ("model", "engine", "threads", "test", "t/s")


def _rows_of(model: str, threads: str, llm: LlmMetrics) -> list[tuple[str, ...]]:
    tests: list[tuple[str, Rate]] = [(t.name, t.tokens_per_s) for t in llm.tests]
    if not tests:
        tests = [(f"pp{llm.prompt_length}", llm.prompt_tokens_per_s),
                 (f"tg{llm.new_tokens}", llm.decode_tokens_per_s)]
    return [(model, llm.engine, threads, name, f"{rate.mean:.2f} ± {rate.std:.2f}")
            for name, rate in tests]


def llm_rows(results: Sequence[RunResult]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for r in results:
        if r.status == "ok" and r.llm is not None:
            threads = str(r.settings.threads) if r.settings.threads else "default"
            rows.extend(_rows_of(r.model, threads, r.llm))
    return rows


def render_llm_table(results: Sequence[RunResult]) -> str:
    """The markdown table llama-bench prints; empty when no result has LLM figures."""
    rows = llm_rows(results)
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in [HEADER, *rows]) for i in range(len(HEADER))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) if i < 4 else c.rjust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    rule = "| " + " | ".join("-" * w if i < 4 else "-" * (w - 1) + ":"
                             for i, w in enumerate(widths)) + " |"
    return "\n".join([line(HEADER), rule, *(line(r) for r in rows)])
