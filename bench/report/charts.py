"""Dot charts drawn in HTML and CSS (no script, no image): one row per figure, a dot at its
value, its interval as an error bar, and small dots for each process when a figure was
measured in several. Text stays text, so the charts reflow at any width, follow the colour
scheme and print. This module places the marks; the templates draw them (``_charts.j2``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bench.report import units
from bench.report.headline import Headline, Spread, interval_text


@dataclass(frozen=True)
class Row:
    """One figure of a chart, as the drawing needs it (values in the chart's unit)."""

    label: str
    value: float
    low: float | None = None
    high: float | None = None
    dots: tuple[float, ...] = ()  # one per process
    value_text: str = ""
    note: str = ""  # the interval in words
    flags: tuple[str, ...] = ()  # "invalid", "unstable", "slower" ...
    anchor: str = ""  # the section it links to


@dataclass(frozen=True)
class Placed:
    row: Row
    at: float  # percent of the track
    low_at: float | None
    high_at: float | None
    dots_at: tuple[float, ...]

    @property
    def bar_width(self) -> float:
        return 0.0 if self.low_at is None or self.high_at is None else self.high_at - self.low_at


@dataclass(frozen=True)
class Chart:
    title: str
    rows: tuple[Placed, ...]
    ticks: tuple[tuple[float, str, bool], ...]  # (percent, label, minor: hidden when narrow)
    reference_at: float | None = None  # a dashed line (the first column's value)


def _nice(x: float) -> float:
    """The smallest of 1, 2, 5 x 10^k at or above ``x``."""
    k = 10 ** math.floor(math.log10(x))
    return next(m * k for m in (1, 2, 5, 10) if m * k >= x * (1 - 1e-9))


def _domain(values: Sequence[float]) -> tuple[float, float, bool]:
    positive = [v for v in values if v > 0]
    lo, hi = (min(positive), max(positive)) if positive else (1.0, 1.0)
    if hi / lo > 20:
        return 10 ** math.floor(math.log10(lo)), 10 ** math.ceil(math.log10(hi)), True
    return 0.0, _nice(hi * 1.08), False


def _ticks(lo: float, hi: float, log: bool, count: int) -> list[float]:
    if log:
        decades = range(round(math.log10(lo)), round(math.log10(hi)) + 1)
        steps = (1, 2, 5) if len(decades) * 3 <= count else (1,)
        ticks = [m * 10.0 ** d for d in decades for m in steps if m * 10.0 ** d <= hi * 1.0001]
        return ticks if len(ticks) <= count else ticks[::2]
    step = _nice(hi / count)
    return [i * step for i in range(int(round(hi / step)) + 1)]


def dot_chart(title: str, rows: Sequence[Row], rate: bool,
              reference: float | None = None, ticks: int = 5) -> Chart:
    """Place ``rows`` on one shared axis: logarithmic when they span more than 20x, else
    linear from zero; about ``ticks`` labels. ``rate``: the values are per second (else
    milliseconds)."""
    every = [v for r in rows for v in (r.value, r.low, r.high, *r.dots) if v is not None]
    lo, hi, log = _domain(every + ([reference] if reference else []))

    def at(v: float | None) -> float | None:
        if v is None:
            return None
        if log:
            v = max(v, lo)
            share = (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
        else:
            share = v / hi if hi else 0.0
        return round(min(max(share, 0.0), 1.0) * 100, 2)

    placed = tuple(Placed(r, at(r.value) or 0.0, at(r.low), at(r.high),
                          tuple(a for d in r.dots if (a := at(d)) is not None)) for r in rows)
    values = _ticks(lo, hi, log, ticks)
    ticks = tuple((at(t) or 0.0, units.tick(t, ms=not rate), i % 2 == 1 and i < len(values) - 1
                   and len(values) > 4) for i, t in enumerate(values))
    return Chart(title, placed, ticks, at(reference))


def headline_row(label: str, headline: Headline, spread: Spread, flags: Sequence[str] = (),
                 anchor: str = "") -> Row:
    """The row of one result's headline: the interval as the bar, processes as dots; an
    unstable headline is flagged."""
    flags = tuple(flags) + (("unstable",) if spread.unstable else ())
    return Row(label=label, value=headline.value, low=spread.low, high=spread.high,
               dots=spread.per_process, value_text=headline.text(),
               note=interval_text(headline, spread), flags=flags, anchor=anchor)


def headline_charts(rows: Sequence[tuple[Headline, Row]], title: str) -> list[Chart]:
    """One chart per kind of headline (latencies; each kind of rate), in first-seen order."""
    groups: dict[tuple[bool, str], list[Row]] = {}
    for headline, row in rows:
        groups.setdefault((headline.rate, headline.noun), []).append(row)
    return [dot_chart(f"{title}: " + (f"{noun}/s, higher is better" if rate
                                      else "latency, lower is better"), members, rate)
            for (rate, noun), members in groups.items()]
