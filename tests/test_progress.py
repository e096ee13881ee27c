"""The one progress module: what a terminal and a pipe get, drawn by click, no thread."""

from __future__ import annotations

import io
import re
import threading

from bench.measure.progress import (
    BarTasks,
    LineProgress,
    LineTasks,
    SilentTasks,
    tasks_for,
)
from bench.result.models import LatencyMs, ResultSettings, RunResult


class Terminal(io.StringIO):
    """What this test lacks: a terminal. Text written to it is kept as a terminal gets it."""

    def isatty(self) -> bool:
        return True


def result(status: str = "ok") -> RunResult:
    lat = LatencyMs(min=1, mean=1, p50=1, p90=1.25, p95=1.5, p99=2, max=3, std=0.1)
    return RunResult(model="tiny_cnn", model_sha256="0" * 64, precision="fp32",
                     scenario="single-stream", provider="CPUExecutionProvider",
                     input_shapes={"x": [1, 4]},
                     settings=ResultSettings(duration_s=1, min_queries=64, max_duration_s=9,
                                             warmup=1, threads=1, seed=0),
                     status=status, valid=status == "ok", queries=1234,
                     latency_ms=lat if status == "ok" else None,
                     error=None if status == "ok" else "boom\nsecond line")


def test_a_run_on_a_pipe_prints_one_line_per_workload() -> None:
    pipe = io.StringIO()
    progress = LineProgress(pipe)
    progress.begin(1, 2, "tiny_cnn single-stream", 10.0)
    progress.tick(4.2, 3911)
    progress.end(result())
    progress.begin(2, 2, "tiny_cnn offline", 10.0)
    progress.end(result("failed"))
    assert pipe.getvalue() == ("[1/2] tiny_cnn single-stream  p90 1.250 ms, 1,234 queries\n"
                               "[2/2] tiny_cnn offline  failed: boom\n")


def test_a_run_on_a_terminal_redraws_one_line_from_its_ticks_only() -> None:
    screen = Terminal()
    progress = LineProgress(screen)
    threads = threading.active_count()
    progress.begin(1, 1, "tiny_cnn single-stream", 10.0)
    drawn = screen.getvalue()
    progress.tick(5.0, 3911)
    assert threading.active_count() == threads  # nothing draws between ticks
    assert screen.getvalue().startswith(drawn) and "3,911 queries" in screen.getvalue()
    progress.end(result())
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())  # click hides the cursor
    assert text.count("\n") == 1 and text.endswith("\n")  # one line, redrawn with \r
    final = text.rstrip("\n").split("\r")[-1]
    assert final.startswith("[1/1] tiny_cnn single-stream")
    assert "p90 1.250 ms, 1,234 queries" in final and "#" * 20 in final


def test_tasks_on_a_pipe_print_a_line_each_with_an_eta() -> None:
    pipe = io.StringIO()
    tasks = LineTasks(pipe)
    tasks.start(3, "batch: 3 of 4 runs to do, about 0:00:06")
    tasks.begin("a")
    tasks.end("a", None, 2.0)
    tasks.end("b", "crashed: killed by SIGSEGV", 4.0)
    assert pipe.getvalue().splitlines() == [
        "batch: 3 of 4 runs to do, about 0:00:06",
        "[1/3] a  ok  2.0 s  ETA 0:00:04",
        "[2/3] b  FAILED (crashed: killed by SIGSEGV)  4.0 s  ETA 0:00:03"]


def test_tasks_on_a_terminal_draw_a_bar_and_print_failures_above_it() -> None:
    screen = Terminal()
    tasks = BarTasks(screen)
    tasks.start(2, "history: 2 series")
    tasks.begin("tiny_cnn fp32 single-stream")
    assert "tiny_cnn fp32 single-stream" in screen.getvalue().split("\r")[-1]
    tasks.end("tiny_cnn fp32 single-stream", None, 0.5)
    tasks.begin("tiny_mlp fp32 single-stream")
    tasks.end("tiny_mlp fp32 single-stream", "no data", 0.5)
    tasks.finish()
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert text.startswith("history: 2 series\n")
    assert "\ntiny_mlp fp32 single-stream: FAILED (no data)\n" in text
    assert "2/2" in text.split("\r")[-1] and text.endswith("\n")


def test_which_progress_a_stream_gets() -> None:
    assert isinstance(tasks_for(Terminal()), BarTasks)
    assert isinstance(tasks_for(io.StringIO()), LineTasks)
    assert isinstance(tasks_for(io.StringIO(), lines=False), SilentTasks)
