"""edgebench: a benchmarking harness for AI on edge devices.

The library API is what the CLI calls; a notebook or a pytest plugin can call it too::

    import bench
    report = bench.run(["tiny_cnn"], settings=bench.RunSettings(duration_s=2))
    bench.write_report(report, "reports/mine")
"""

from __future__ import annotations

__version__ = "0.1.0"

from bench.errors import EdgebenchError
from bench.report import write_report
from bench.runner import run
from bench.spec import RunSettings

__all__ = ["EdgebenchError", "RunSettings", "__version__", "run", "write_report"]
