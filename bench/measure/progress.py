"""Progress of a long run: silent by default, one live line on a terminal."""

from __future__ import annotations

import sys
from typing import Protocol, TextIO

from bench.result.models import RunResult


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


class LineProgress:
    """``[2/3] tiny_cnn single-stream  4.2/10 s  3,911 queries``, redrawn in place on a
    terminal (4 times a second, from the scenario's tick, never inside a timed call);
    on a pipe, one line per finished workload."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self._stream = stream
        self._live = stream.isatty()
        self._label = ""
        self._planned = 0.0

    def begin(self, index: int, total: int, label: str, planned_s: float) -> None:
        self._label = f"[{index}/{total}] {label}"
        self._planned = planned_s
        if self._live:
            self._draw(f"{self._label}  starting")

    def tick(self, elapsed_s: float, queries: int) -> None:
        if self._live:
            self._draw(f"{self._label}  {elapsed_s:.1f}/{self._planned:g} s  {queries:,} queries")

    def end(self, result: RunResult) -> None:
        if result.status == "ok" and result.latency_ms is not None:
            outcome = f"p90 {result.latency_ms.p90:.3f} ms, {result.queries:,} queries"
        else:
            outcome = f"failed: {(result.error or '').splitlines()[0] if result.error else ''}"
        if self._live:
            self._draw(f"{self._label}  {outcome}")
            self._stream.write("\n")
        else:
            self._stream.write(f"{self._label}  {outcome}\n")
        self._stream.flush()

    def _draw(self, text: str) -> None:
        self._stream.write("\r\x1b[2K" + text)
        self._stream.flush()
