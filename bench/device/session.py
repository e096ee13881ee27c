"""The only module that imports onnxruntime: runtime facts and session creation.

Every session made inside :func:`runtime` registers that context's custom-op libraries, and
what onnxruntime logs meanwhile is kept off the terminal (:mod:`bench.device.runtime_log`)
and handed back for the report.
"""

from __future__ import annotations

import contextlib
import json
import re
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from bench.device.runtime_log import RuntimeLog
from bench.errors import RunError, UsageError

CPU = "CPUExecutionProvider"
_CUSTOM_OPS: tuple[str, ...] = ()  # libraries every session registers (see runtime())
_VERBOSE = False  # echo onnxruntime's own log lines (edgebench run --verbose)


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
    _register_custom_ops(options, _CUSTOM_OPS)
    return options


def _register_custom_ops(options: ort.SessionOptions, libraries: Sequence[str]) -> None:
    for library in libraries:
        try:
            options.register_custom_ops_library(library)
        except Exception as exc:  # onnxruntime raises its own untyped exceptions
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise UsageError(f"--custom-ops {library}: onnxruntime cannot load it as a "
                             f"custom-op library: {first}") from None


class _OrtValueOutputs:
    """A session with an output numpy has no type for (bfloat16): ``run`` hands back
    OrtValues instead of arrays; everything else is the session's own."""

    def __init__(self, session: ort.InferenceSession) -> None:
        self._session = session

    def __getattr__(self, name: str) -> object:
        return getattr(self._session, name)

    def run(self, output_names: Sequence[str] | None, feeds: Mapping[str, object],
            run_options: object = None) -> list[object]:
        values = {k: v if isinstance(v, ort.OrtValue) else ort.OrtValue.ortvalue_from_numpy(v)
                  for k, v in feeds.items()}
        names = list(output_names or [o.name for o in self._session.get_outputs()])
        return list(self._session.run_with_ort_values(names, values, run_options))


def _create(path: Path, options: ort.SessionOptions,
            config: SessionConfig) -> ort.InferenceSession:
    names = [name for name, _ in config.providers]
    opts = [dict(o) for _, o in config.providers]
    session = ort.InferenceSession(str(path), sess_options=options, providers=names,
                                   provider_options=opts)
    if any(o.type == "tensor(bfloat16)" for o in session.get_outputs()):
        return _OrtValueOutputs(session)  # type: ignore[return-value]
    return session


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


# --- the runtime around sessions: custom ops, log capture, load checks ------------------


def set_verbose(verbose: bool) -> None:
    """Whether onnxruntime's own log lines also reach the terminal (they are always kept)."""
    global _VERBOSE
    _VERBOSE = verbose


@contextlib.contextmanager
def custom_ops(libraries: Sequence[str] = ()) -> Iterator[None]:
    """Sessions made inside register these custom-op libraries (shared libraries)."""
    global _CUSTOM_OPS
    before, _CUSTOM_OPS = _CUSTOM_OPS, tuple(dict.fromkeys((*_CUSTOM_OPS, *libraries)))
    try:
        yield
    finally:
        _CUSTOM_OPS = before


@contextlib.contextmanager
def runtime(libraries: Sequence[str] = ()) -> Iterator[RuntimeLog]:
    """Sessions made inside register the custom-op ``libraries``; onnxruntime's log lines
    written meanwhile (by this process or a worker process it starts, which shares its
    fd 2) are kept in the yielded log, off the terminal."""
    with custom_ops(libraries), RuntimeLog(echo=_VERBOSE) as log:
        yield log


def extensions_library() -> str | None:
    """The custom-op library of onnxruntime-extensions (domain ``ai.onnx.contrib``), when
    that optional package is installed."""
    try:
        from onnxruntime_extensions import get_library_path
    except ImportError:
        return None
    return str(get_library_path())


def load_error(path: Path, custom_ops: Sequence[str] = ()) -> str | None:
    """Why onnxruntime cannot load ``path`` (the first line of its message), or None when
    it can: a CPU session, no graph optimisation, nothing logged to the terminal."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.log_severity_level = 3
    _register_custom_ops(options, (*_CUSTOM_OPS, *custom_ops))
    with RuntimeLog(echo=_VERBOSE):
        try:
            ort.InferenceSession(str(path), sess_options=options, providers=[CPU])
        except Exception as exc:  # onnxruntime raises its own untyped exceptions
            return plain_error(exc)
    return None


def plain_error(exc: BaseException) -> str:
    """The first line of an onnxruntime error without its code and source-file prefix."""
    text = (str(exc).strip() or type(exc).__name__).splitlines()[0]
    text = re.sub(r"^\[ONNXRuntimeError\] : \d+ : \w+ : ", "", text)
    return re.sub(r"/onnxruntime_src/\S+:\d+ ", "", text)


def try_run(path: Path, feeds: Mapping[str, object]) -> bool:
    """Whether one inference on ``feeds`` succeeds (a CPU session, log kept off screen)."""
    with RuntimeLog():
        try:
            options = _options(SessionConfig(graph_optimization="basic"))
            options.log_severity_level = 3
            ort.InferenceSession(str(path), options, providers=[CPU]).run(None, dict(feeds))
        except Exception:  # any failure means: not with these inputs
            return False
    return True


def ort_value(array: np.ndarray, elem_type: int) -> object:
    """An input onnxruntime cannot take as a numpy array (bfloat16: the bits as uint16)."""
    return ort.OrtValue.ortvalue_from_numpy_with_onnx_type(array, onnx_element_type=elem_type)


def output_types(session: ort.InferenceSession) -> dict[str, str]:
    """Each output's type as onnxruntime writes it: ``tensor(float)``,
    ``seq(map(int64,tensor(float)))``..."""
    return {o.name: str(o.type) for o in session.get_outputs()}


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
