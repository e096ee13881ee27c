"""The lines ``edgebench run`` prints after its table for llm-server results: the load,
TTFT/TPOT/ITL/E2E, output tokens/s, goodput and the SLO verdict (the scenario's own report
lines, ``bench.measure.scenarios.llm_figures.lines``)."""

from __future__ import annotations

from collections.abc import Sequence

from bench.measure.scenarios.llm_figures import lines
from bench.result.models import RunResult


def summary_lines(results: Sequence[RunResult]) -> list[str]:
    out = []
    for r in results:
        if r.llm_server is not None:
            out.append(f"\n{r.model} llm-server:")
            out += [f"  {line}" for line in lines(r.llm_server)]
    return out
