"""edgebench: a benchmarking harness for AI on edge devices.

The library API is what the CLI calls; a notebook or a pytest plugin can call it too::

    import bench
    report = bench.run(["tiny_cnn"], settings=bench.RunSettings(duration_s=2))
    bench.write_report(report, "reports/mine")

The names below are loaded on first use (PEP 562), so ``import bench`` (or a module that
only needs the version, ``bench._version``) does not load onnxruntime.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from bench._version import __version__

if TYPE_CHECKING:
    from bench.errors import EdgebenchError
    from bench.measure.run import run, run_one
    from bench.report import write_report
    from bench.spec import RunSettings

_LAZY = {
    "EdgebenchError": "bench.errors",
    "RunSettings": "bench.spec",
    "run": "bench.measure.run",
    "run_one": "bench.measure.run",
    "write_report": "bench.report",
}

__all__ = ["EdgebenchError", "RunSettings", "__version__", "run", "run_one", "write_report"]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bench' has no attribute {name!r}")
    return getattr(import_module(module), name)
