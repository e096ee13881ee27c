"""Plots of one result's samples, rendered by matplotlib to small inline SVG.

Each plot is its own SVG (latency histogram, CDF, throughput over time; the LLM section's
TTFT and TPOT distributions), so a page lays them out side by side on a wide screen and one
under the other on a phone. The SVG is made for inlining: no metadata, coordinates rounded
to 0.1 pt, one filled path per histogram, transparent background, and text and axes drawn
in ``currentColor`` so they follow the page's light or dark colours. Deterministic: no date,
element ids from a fixed salt, text stays text (``svg.fonttype = none``). Only the SVG
canvas is used (no pyplot, no global figure state).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.stats.summary import nearest_rank

CDF_POINTS = 300
MAX_WINDOWS = 120
INK = "#010203"  # drawn as currentColor: the page's text colour
BLUE, RED, GREEN = "#4c78a8", "#e45756", "#54a24b"
_STYLE = {"svg.hashsalt": "edgebench", "svg.fonttype": "none", "font.size": 9,
          "axes.spines.top": False, "axes.spines.right": False, "figure.facecolor": "none",
          "axes.facecolor": "none", "savefig.facecolor": "none", "text.color": INK,
          "axes.edgecolor": INK, "axes.labelcolor": INK, "xtick.color": INK,
          "ytick.color": INK, "grid.color": INK, "grid.alpha": 0.15}
_ATTRIBUTE = re.compile(r'( (?:d|x|y|x1|x2|y1|y2|width|height|transform|points)=")([^"]*)"')
_LONG_NUMBER = re.compile(r"(-?\d+\.\d)\d+")
_FONT = re.compile(r"font-family: [^;\"]*")


@dataclass(frozen=True)
class Plot:
    title: str
    svg: str


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


def _compact(svg: str) -> str:
    svg = svg[svg.index("<svg"):]  # no XML declaration or DOCTYPE inside HTML
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = _ATTRIBUTE.sub(lambda m: m.group(1) + " ".join(
        _LONG_NUMBER.sub(r"\1", m.group(2)).split()) + '"', svg)
    svg = _FONT.sub("font-family: system-ui, sans-serif", svg)
    return re.sub(r">\s+<", "><", svg.replace(INK, "currentColor"))


def _log_axis(axis: object) -> None:
    """A logarithmic x axis labelled in plain numbers (0.5, 1, 10), not powers of ten."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    axis.set_xscale("log")
    axis.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0), numticks=8))
    axis.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.xaxis.set_minor_locator(NullLocator())  # minor ticks cost more time than they say


def _render(draw: object, size: tuple[float, float] = (4.0, 2.5)) -> str:
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=size)  # fixed margins: constrained layout is 3x slower
        fig.subplots_adjust(left=0.15, right=0.97, bottom=0.19, top=0.95)
        draw(fig.subplots())  # type: ignore[operator]
        out = io.StringIO()
        FigureCanvasSVG(fig).print_svg(out, metadata={"Date": None})
    return _compact(out.getvalue())


def _histogram(ms: np.ndarray, marks: Sequence[float] = (50, 90, 99)) -> str:
    def draw(ax: object) -> None:
        upper = nearest_rank(ms, 99.9)
        wide = ms[0] > 0 and upper / ms[0] > 20  # a long tail: log-spaced bins and axis
        bins = np.geomspace(ms[0], upper, 61) if wide else 60
        ax.hist(np.minimum(ms, upper), bins=bins, color=BLUE, histtype="stepfilled")
        if wide:
            _log_axis(ax)
        for p in marks:
            value = nearest_rank(ms, p)
            ax.axvline(value, color=RED, linestyle=":", linewidth=1)
            ax.annotate(f"p{p:g}", (value, 1), xycoords=("data", "axes fraction"),
                        fontsize=7, color=RED, ha="left", va="top")
        ax.set(xlabel="ms", ylabel="count")

    return _render(draw)


def _cdf(ms: np.ndarray) -> str:
    def draw(ax: object) -> None:
        positions = np.unique(np.linspace(0, len(ms) - 1, min(len(ms), CDF_POINTS))
                              .astype(np.int64))
        ax.plot(ms[positions], (positions + 1) / len(ms), color=BLUE, linewidth=1.2)
        if ms[0] > 0 and ms[-1] / ms[0] > 20:
            _log_axis(ax)
        ax.set(xlabel="ms", ylabel="fraction of queries", ylim=(0, 1.01))
        ax.grid(True)

    return _render(draw)


def _rate(samples_ns: Sequence[int]) -> tuple[str, float]:
    starts, rates, window = windows(samples_ns)

    def draw(ax: object) -> None:
        ax.stairs(rates, np.append(starts, starts[-1] + window), color=GREEN, linewidth=1.2)
        ax.set(xlabel="s", ylabel="queries/s", ylim=(0, None))
        ax.grid(True)

    return _render(draw), window


def result_plots(samples_ns: Sequence[int], back_to_back: bool = True) -> list[Plot]:
    """Latency histogram (to p99.9), CDF, and throughput over time windows of one result;
    the last only when its queries ran ``back_to_back`` (the timeline is rebuilt from the
    latencies, which is wrong where queries overlapped or waited for their arrival)."""
    ms = np.sort(np.asarray(samples_ns, dtype=np.float64)) / 1e6
    plots = [Plot("latency histogram (to p99.9)", _histogram(ms)), Plot("latency CDF", _cdf(ms))]
    if back_to_back:
        rate, window = _rate(samples_ns)
        plots.append(Plot(f"throughput over time ({window:.3g} s windows)", rate))
    return plots


def distribution_plot(samples_ns: Sequence[int], title: str) -> Plot:
    """A histogram of one distribution (time to first token, time per output token)."""
    ms = np.sort(np.asarray(samples_ns, dtype=np.float64)) / 1e6
    return Plot(title, _histogram(ms, (50, 90)))
