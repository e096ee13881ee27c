"""Progress of long work on the terminal, drawn by click: one module for every command.

Two shapes of work. A measurement (``edgebench run``) reports through :class:`Progress`,
the interface ``bench.measure.run`` calls: ``begin`` a workload, ``tick`` while it runs,
``end`` with its result. A list of items (``edgebench batch``'s runs, ``edgebench history
regressions``' series) reports through :class:`Tasks`: ``start`` with the count, ``begin``
and ``end`` each item, ``finish``.

On a terminal both draw one live line with ``click.progressbar``; on a pipe, plain lines
(one per finished item or workload) or nothing. Every update redraws (``update_min_steps=0``;
click skips a line that did not change). No thread draws anything: a line is redrawn
only inside a call the caller makes, and a scenario ticks outside its timed region (at most
four times a second, ``bench/measure/scenarios/base.py``), so drawing never competes with a
timed call.
"""

from __future__ import annotations

import sys
from typing import Any, Protocol, TextIO

import click

from bench.result.models import RunResult

TENTHS = 10  # a workload's bar counts tenths of its planned seconds


def format_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


class Progress(Protocol):
    def begin(self, index: int, total: int, label: str, planned_s: float) -> None: ...

    def tick(self, elapsed_s: float, queries: int) -> None: ...

    def end(self, result: RunResult) -> None: ...


class SilentProgress:
    def begin(self, index: int, total: int, label: str, planned_s: float) -> None:
        pass

    def tick(self, elapsed_s: float, queries: int) -> None:
        pass

    def end(self, result: RunResult) -> None:
        pass


def _outcome(result: RunResult) -> str:
    if result.status == "ok" and result.latency_ms is not None:
        return f"p90 {result.latency_ms.p90:.3f} ms, {result.queries:,} queries"
    return f"failed: {(result.error or '').splitlines()[0] if result.error else ''}"


class LineProgress:
    """``[2/3] tiny_cnn single-stream  [#####-----]  3,911 queries``: a bar of the planned
    time, redrawn from the scenario's tick on a terminal, closed with the result; on a pipe,
    one line per finished workload."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self._stream = stream
        self._live = stream.isatty()
        self._label = ""
        self._bar: Any = None  # click's ProgressBar (not exported under a public name)

    def begin(self, index: int, total: int, label: str, planned_s: float) -> None:
        self._label = f"[{index}/{total}] {label}"
        if self._live:
            self._bar = click.progressbar(
                length=max(1, round(planned_s * TENTHS)), label=self._label,
                file=self._stream, show_eta=False, show_percent=False, width=20,
                update_min_steps=0, item_show_func=lambda text: text)
            self._bar.__enter__()
            self._bar.update(0, "starting")

    def tick(self, elapsed_s: float, queries: int) -> None:
        if self._bar is not None:
            target = min(self._bar.length, round(elapsed_s * TENTHS))
            self._bar.update(max(0, target - self._bar.pos), f"{queries:,} queries")

    def end(self, result: RunResult) -> None:
        if self._bar is not None:
            self._bar.update(self._bar.length - self._bar.pos, _outcome(result))
            self._bar.__exit__(None, None, None)
            self._bar = None
        else:
            self._stream.write(f"{self._label}  {_outcome(result)}\n")
            self._stream.flush()


class Tasks(Protocol):
    """Progress over a count of items (runs of a batch, series of a history)."""

    def start(self, total: int, title: str) -> None: ...

    def begin(self, name: str) -> None: ...

    def end(self, name: str, failure: str | None, seconds: float) -> None: ...

    def finish(self) -> None: ...


class SilentTasks:
    def start(self, total: int, title: str) -> None:
        pass

    def begin(self, name: str) -> None:
        pass

    def end(self, name: str, failure: str | None, seconds: float) -> None:
        pass

    def finish(self) -> None:
        pass


class LineTasks:
    """The title, then ``[3/6] host/tiny_cnn/fp32/single-stream/1  ok  1.2 s  ETA 0:00:04``
    per finished item; the ETA is the mean time of the items done so far times those left."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self._stream = stream
        self._total = 0
        self._done = 0
        self._seconds = 0.0

    def start(self, total: int, title: str) -> None:
        self._total = total
        click.echo(title, file=self._stream)

    def begin(self, name: str) -> None:
        pass

    def end(self, name: str, failure: str | None, seconds: float) -> None:
        self._done += 1
        self._seconds += seconds
        eta = self._seconds / self._done * (self._total - self._done)
        what = "ok" if failure is None else f"FAILED ({failure})"
        click.echo(f"[{self._done}/{self._total}] {name}  {what}  {seconds:.1f} s  "
                   f"ETA {format_seconds(eta)}", file=self._stream)

    def finish(self) -> None:
        pass


class BarTasks:
    """click's progress bar with its ETA, naming the item in progress; failures are
    printed above it as they happen."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self._stream = stream
        self._bar: Any = None
        self._name = ""

    def start(self, total: int, title: str) -> None:
        click.echo(title, file=self._stream)
        self._bar = click.progressbar(length=max(total, 1), label="", show_eta=True,
                                      show_pos=True, file=self._stream, update_min_steps=0,
                                      item_show_func=lambda _: self._name)
        self._bar.__enter__()

    def begin(self, name: str) -> None:
        self._name = name
        self._bar.update(0)

    def end(self, name: str, failure: str | None, seconds: float) -> None:
        if failure is not None:
            click.echo(f"\n{name}: FAILED ({failure})", file=self._stream)
        self._bar.update(1)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def tasks_for(stream: TextIO = sys.stderr, lines: bool = True) -> Tasks:
    """A bar on a terminal; on a pipe, a line per item (``lines``) or nothing."""
    if stream.isatty():
        return BarTasks(stream)
    return LineTasks(stream) if lines else SilentTasks()
