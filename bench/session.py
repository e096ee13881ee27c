"""The only module that imports onnxruntime: runtime facts and session creation."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import onnxruntime as ort

from bench.errors import RunError

CPU = "CPUExecutionProvider"


def runtime_version() -> str:
    return str(ort.__version__)


def available_providers() -> list[str]:
    return list(ort.get_available_providers())


@dataclass(frozen=True)
class OpenedSession:
    session: ort.InferenceSession
    create_ns: int
    providers: tuple[str, ...]


def open_session(
    path: Path, threads: int | None = None, providers: tuple[str, ...] = (CPU,)
) -> OpenedSession:
    """Create a session, timing only the constructor (the cold-start figure)."""
    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    try:
        start = time.perf_counter_ns()
        session = ort.InferenceSession(str(path), sess_options=options, providers=list(providers))
        create_ns = time.perf_counter_ns() - start
    except Exception as exc:  # onnxruntime raises its own untyped exceptions
        raise RunError(f"{path}: onnxruntime could not load the model: {exc}") from None
    return OpenedSession(session, create_ns, tuple(session.get_providers()))


def output_names(session: ort.InferenceSession) -> tuple[str, ...]:
    return tuple(o.name for o in session.get_outputs())


def profile_runs(path: Path, feeds: dict[str, object], runs: int, out_prefix: Path,
                 threads: int | None = None, providers: tuple[str, ...] = (CPU,)) -> Path:
    """Run ``runs`` inferences in a fresh session under onnxruntime's profiler and return
    the Chrome-trace JSON it wrote (``<out_prefix>_<timestamp>.json``; Perfetto opens it).
    A separate pass: the profiler's own cost never touches the measured run."""
    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.enable_profiling = True
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    options.profile_file_prefix = str(out_prefix)
    try:
        session = ort.InferenceSession(str(path), sess_options=options, providers=list(providers))
        for _ in range(runs):
            session.run(None, feeds)
        return Path(session.end_profiling())
    except Exception as exc:  # onnxruntime raises its own untyped exceptions
        raise RunError(f"{path}: the profiling pass failed: {exc}") from None
