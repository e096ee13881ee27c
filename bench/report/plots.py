"""Plots of one result's samples, rendered by matplotlib to inline SVG text.

Deterministic output: the SVG carries no date, its element ids come from a fixed salt, and
text stays text (``svg.fonttype = none``), so the same report renders to the same bytes.
Only the Agg-free SVG canvas is used (no pyplot, no global figure state).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np

from bench.stats.summary import nearest_rank

CDF_POINTS = 400
MAX_WINDOWS = 120
_STYLE = {"svg.hashsalt": "edgebench", "svg.fonttype": "none", "font.size": 9,
          "axes.spines.top": False, "axes.spines.right": False}


def windows(samples_ns: Sequence[int], window_s: float | None = None
            ) -> tuple[np.ndarray, np.ndarray, float]:
    """Queries per second in consecutive windows of the run's timeline.

    The timeline is rebuilt from the samples: in single-stream each query starts when the
    last ends, so the running sum of latencies is the elapsed time (it leaves out the
    harness's few microseconds between queries). Returns window start times (s), rates and
    the window length (1 s, or longer so there are at most ``MAX_WINDOWS``; 1/10 of the run
    when it is shorter than 10 s). The last window may be partly empty, and reads low."""
    ends = np.cumsum(np.asarray(samples_ns, dtype=np.float64)) / 1e9
    total = float(ends[-1]) if len(ends) else 0.0
    if window_s is None:
        window_s = 1.0 if total >= 10 else max(total / 10, 1e-6)
        window_s = max(window_s, total / MAX_WINDOWS)
    count = max(1, int(np.ceil(total / window_s)))
    index = np.minimum((ends / window_s).astype(np.int64), count - 1)
    per_window = np.bincount(index, minlength=count).astype(np.float64)
    starts = np.arange(count) * window_s
    return starts, per_window / window_s, window_s


def _svg(fig: object) -> str:
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    out = io.StringIO()
    FigureCanvasSVG(fig).print_svg(out, metadata={"Date": None})
    text = out.getvalue()
    return text[text.index("<svg"):]  # drop the XML declaration and DOCTYPE for inlining


def result_figure(samples_ns: Sequence[int], title: str = "") -> str:
    """Histogram, CDF and throughput over time of one result, as one SVG."""
    import matplotlib
    from matplotlib.figure import Figure

    ms = np.sort(np.asarray(samples_ns, dtype=np.float64)) / 1e6
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(11.5, 3.0))  # fixed margins: constrained layout is 3x slower
        fig.subplots_adjust(left=0.06, right=0.99, bottom=0.16, top=0.9, wspace=0.3)
        hist, cdf, rate = fig.subplots(1, 3)
        marks = {p: nearest_rank(ms, p) for p in (50, 90, 99)}
        upper = nearest_rank(ms, 99.9)
        wide = ms[0] > 0 and upper / ms[0] > 20  # a long tail: log-spaced bins and axis
        bins = np.geomspace(ms[0], upper, 61) if wide else 60
        hist.hist(np.minimum(ms, upper), bins=bins, color="#4c78a8")
        if wide:
            hist.set_xscale("log")
        for p, value in marks.items():
            hist.axvline(value, color="#e45756", linestyle=":", linewidth=1)
            hist.annotate(f"p{p}", (value, 1), xycoords=("data", "axes fraction"),
                          fontsize=7, color="#e45756", ha="left", va="top")
        hist.set(title="latency histogram (to p99.9)", xlabel="ms", ylabel="queries")
        positions = np.unique(np.linspace(0, len(ms) - 1, min(len(ms), CDF_POINTS))
                              .astype(np.int64))
        cdf.plot(ms[positions], (positions + 1) / len(ms), color="#4c78a8", linewidth=1.2)
        if wide:
            cdf.set_xscale("log")
        cdf.set(title="latency CDF", xlabel="ms", ylabel="fraction of queries", ylim=(0, 1.01))
        cdf.grid(True, alpha=0.3)
        starts, rates, window = windows(samples_ns)
        edges = np.append(starts, starts[-1] + window)
        rate.stairs(rates, edges, color="#54a24b", linewidth=1.2)
        rate.set(title=f"throughput over time ({window:.3g} s windows)", xlabel="s",
                 ylabel="queries/s", ylim=(0, None))
        rate.grid(True, alpha=0.3)
        if title:
            fig.suptitle(title)
        return _svg(fig)
