"""The history of one series as an SVG: the per-commit values and the fitted levels."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from bench.ci.history import Point
from bench.errors import UsageError
from bench.files import write_atomic
from bench.stats.changepoints import segment


def render_svg(points: Sequence[Point], title: str, metric: str) -> bytes:
    """Per-commit values and the piecewise-constant fit ``history regressions`` uses."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
    except ImportError:
        raise UsageError("--plot needs matplotlib: pip install 'edgebench[plot]'") from None
    xs = list(range(len(points)))
    fig, ax = plt.subplots(figsize=(8, 3.5))
    try:
        ax.plot(xs, [p.value for p in points], "o", markersize=3, label=f"{metric} per commit")
        for seg in segment([p.value for p in points]):
            ax.hlines(seg.level, seg.start - 0.4, seg.stop - 0.6, colors="C1", linewidth=2)
        ticks = xs if len(xs) <= 20 else xs[:: max(1, len(xs) // 20)]
        ax.set_xticks(ticks, [points[i].commit[:7] for i in ticks], rotation=60, fontsize=7)
        ax.set_ylabel(f"{metric} latency (ms)")
        ax.set_title(title)
        ax.legend(loc="best", fontsize=8)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    finally:
        plt.close(fig)
    return buffer.getvalue()


def write_svg(path: Path, points: Sequence[Point], title: str, metric: str) -> None:
    write_atomic(path, render_svg(points, title, metric))
