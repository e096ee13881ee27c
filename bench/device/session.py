"""The only module that imports onnxruntime: runtime facts and session creation."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Mapping
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


# --- sessions: a profile's configuration, or a plain one --------------------------------

_GRAPH_LEVELS = {
    "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
    "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
    "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
    "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
}


@dataclass(frozen=True)
class SessionConfig:
    """Everything a profile says about a session: providers with options (in order),
    thread pools, graph optimisation, and whether CPU fallback is refused."""

    providers: tuple[tuple[str, Mapping[str, str]], ...] = ((CPU, {}),)
    intra_op: int | None = None
    inter_op: int | None = None
    graph_optimization: str = "all"
    cpu_arena: bool = True
    forbid_cpu_fallback: bool = False


def _options(config: SessionConfig) -> ort.SessionOptions:
    options = ort.SessionOptions()
    if config.intra_op is not None:
        options.intra_op_num_threads = config.intra_op
    if config.inter_op is not None:
        options.inter_op_num_threads = config.inter_op
    options.graph_optimization_level = _GRAPH_LEVELS[config.graph_optimization]
    options.enable_cpu_mem_arena = config.cpu_arena
    if config.forbid_cpu_fallback:
        options.add_session_config_entry("session.disable_cpu_ep_fallback", "1")
    return options


def _create(path: Path, options: ort.SessionOptions,
            config: SessionConfig) -> ort.InferenceSession:
    names = [name for name, _ in config.providers]
    opts = [dict(o) for _, o in config.providers]
    return ort.InferenceSession(str(path), sess_options=options, providers=names,
                                provider_options=opts)


def open_configured(path: Path, config: SessionConfig) -> OpenedSession:
    """Create a session as a profile asks, timing only the constructor."""
    options = _options(config)
    try:
        start = time.perf_counter_ns()
        session = _create(path, options, config)
        create_ns = time.perf_counter_ns() - start
    except Exception as exc:  # onnxruntime raises its own untyped exceptions
        raise RunError(f"{path}: onnxruntime could not create the session "
                       f"({', '.join(n for n, _ in config.providers)}): {exc}") from None
    return OpenedSession(session, create_ns, tuple(session.get_providers()))


def open_session(
    path: Path, threads: int | None = None, providers: tuple[str, ...] = (CPU,)
) -> OpenedSession:
    """Create a session on these providers (no options), timing only the constructor."""
    return open_configured(path, plain_config(threads, providers))


def plain_config(threads: int | None = None,
                 providers: tuple[str, ...] = (CPU,)) -> SessionConfig:
    """The session a run without a profile gets: providers in order, intra-op threads."""
    return SessionConfig(providers=tuple((name, {}) for name in providers), intra_op=threads)


def node_providers(path: Path, config: SessionConfig,
                   feeds: Mapping[str, object]) -> list[dict[str, object]]:
    """The node events of one profiled inference (each names the provider that ran it).

    A separate session with profiling on, so the measured session is never profiled.
    """
    options = _options(config)
    with tempfile.TemporaryDirectory(prefix="edgebench-prof-") as folder:
        options.enable_profiling = True
        options.profile_file_prefix = str(Path(folder) / "nodes")
        session = _create(path, options, config)
        session.run(None, dict(feeds))
        trace = Path(session.end_profiling())
        events = json.loads(trace.read_text())
    return [e for e in events if isinstance(e, dict) and e.get("cat") == "Node"]


def build_info() -> dict[str, str]:
    """What this onnxruntime build says about itself (device, build options where exposed)."""
    info = {"device": str(ort.get_device()), "package": _package_name()}
    build = getattr(ort.capi._pybind_state, "get_build_info", None)  # not in every release
    if build is not None:
        info["build"] = str(build())
    return info


def _package_name() -> str:
    from importlib import metadata

    for name in ("onnxruntime-gpu", "onnxruntime-openvino", "onnxruntime-qnn",
                 "onnxruntime-directml", "onnxruntime"):
        try:
            return f"{name} {metadata.version(name)}"
        except metadata.PackageNotFoundError:
            continue
    return "unknown"
def output_names(session: ort.InferenceSession) -> tuple[str, ...]:
    return tuple(o.name for o in session.get_outputs())


def profile_runs(path: Path, feeds: dict[str, object], runs: int, out_prefix: Path,
                 threads: int | None = None, providers: tuple[str, ...] = (CPU,)) -> Path:
    """Run ``runs`` inferences in a fresh session under onnxruntime's profiler and return
    the Chrome-trace JSON it wrote (``<out_prefix>_<timestamp>.json``; Perfetto opens it).
    A separate pass: the profiler's own cost never touches the measured run."""
    config = plain_config(threads, providers)
    options = _options(config)
    options.enable_profiling = True
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    options.profile_file_prefix = str(out_prefix)
    try:
        session = _create(path, options, config)
        for _ in range(runs):
            session.run(None, feeds)
        return Path(session.end_profiling())
    except Exception as exc:  # onnxruntime raises its own untyped exceptions
        raise RunError(f"{path}: the profiling pass failed: {exc}") from None


def _runtime_errors() -> tuple[type[BaseException], ...]:
    """onnxruntime's own exception classes (Fail, InvalidArgument, EPFail, ...): they share
    no base class beyond ``Exception``, so they are listed from the binding module."""
    from onnxruntime.capi import onnxruntime_pybind11_state as state

    return tuple(obj for obj in vars(state).values()
                 if isinstance(obj, type) and issubclass(obj, Exception))


# What a failed run inside onnxruntime raises (a failed result, not a bug in edgebench).
RUNTIME_ERRORS: tuple[type[BaseException], ...] = _runtime_errors()
