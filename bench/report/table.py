"""The rows every human-facing summary shows (terminal table, Markdown)."""

from __future__ import annotations

from collections.abc import Sequence

from bench.result.models import RunResult

HEADERS = ("model", "precision", "scenario", "status", "p50 ms", "p90 ms", "p99 ms",
           "throughput/s", "queries", "peak RSS MiB")


def result_row(result: RunResult) -> tuple[str, ...]:
    lat = result.latency_ms
    status = result.status if result.status == "failed" else ("valid" if result.valid
                                                               else "INVALID")
    return (
        result.model,
        result.precision,
        result.scenario,
        status,
        f"{lat.p50:.3f}" if lat else "-",
        f"{lat.p90:.3f}" if lat else "-",
        f"{lat.p99:.3f}" if lat else "-",
        f"{result.throughput_per_s:.1f}" if result.throughput_per_s is not None else "-",
        f"{result.queries:,}",
        f"{result.memory.peak_rss_bytes / 2**20:.1f}" if result.memory else "-",
    )


def render_text(rows: Sequence[Sequence[str]], headers: Sequence[str] = HEADERS) -> str:
    """A plain aligned table for the terminal."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(line.rstrip() for line in lines)
