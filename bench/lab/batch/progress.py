"""Progress of a batch: a bar with ETA on a terminal, one plain line per run otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any, Protocol, TextIO

import click

from bench.lab.batch.executor import RunOutcome


def format_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


class BatchProgress(Protocol):
    def start(self, pending: int, total: int, estimate_s: float) -> None: ...

    def begin(self, key: str) -> None: ...

    def end(self, outcome: RunOutcome) -> None: ...

    def finish(self) -> None: ...


class SilentBatchProgress:
    def start(self, pending: int, total: int, estimate_s: float) -> None:
        pass

    def begin(self, key: str) -> None:
        pass

    def end(self, outcome: RunOutcome) -> None:
        pass

    def finish(self) -> None:
        pass


class LineBatchProgress:
    """``[3/6] host/tiny_cnn/fp32/single-stream/1  ok  1.2 s  ETA 0:00:04``; the ETA is the
    mean duration of this batch's finished runs times the runs left."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self._stream = stream
        self._done = 0
        self._pending = 0
        self._durations: list[float] = []

    def start(self, pending: int, total: int, estimate_s: float) -> None:
        self._pending = pending
        self._stream.write(f"batch: {pending} of {total} runs to do, about "
                           f"{format_seconds(estimate_s)}\n")

    def begin(self, key: str) -> None:
        pass

    def end(self, outcome: RunOutcome) -> None:
        self._done += 1
        self._durations.append(outcome.duration_s)
        left = self._pending - self._done
        eta = sum(self._durations) / len(self._durations) * left
        what = "ok" if outcome.status == "ok" else f"FAILED ({outcome.cause})"
        self._stream.write(f"[{self._done}/{self._pending}] {outcome.key}  {what}  "
                           f"{outcome.duration_s:.1f} s  ETA {format_seconds(eta)}\n")
        self._stream.flush()

    def finish(self) -> None:
        pass


class BarBatchProgress:
    """click's progress bar (with its ETA), naming the run in progress; failures are
    printed above it as they happen."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self._stream = stream
        self._bar: Any = None
        self._key = ""

    def start(self, pending: int, total: int, estimate_s: float) -> None:
        click.echo(f"batch: {pending} of {total} runs to do, about "
                   f"{format_seconds(estimate_s)}", file=self._stream)
        self._bar = click.progressbar(length=pending, label="batch", show_eta=True,
                                      show_pos=True, file=self._stream,
                                      item_show_func=lambda _: self._key)
        self._bar.__enter__()
        self._t0 = time.monotonic()

    def begin(self, key: str) -> None:
        self._key = key
        self._bar.update(0)

    def end(self, outcome: RunOutcome) -> None:
        if outcome.status == "failed":
            click.echo(f"\n{outcome.key}: FAILED ({outcome.cause})", file=self._stream)
        self._bar.update(1)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def progress_for(stream: TextIO = sys.stderr) -> BatchProgress:
    return BarBatchProgress(stream) if stream.isatty() else LineBatchProgress(stream)
