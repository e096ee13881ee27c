"""Samplers that run beside a scenario; each reads a source tests can point at a fake root.

Energy and temperature collectors register by name in ``bench.collectors.base``; importing
this package registers them (listed here, explicitly).
"""

from bench.collectors import battery, meter, nvml, rapl, temperature  # noqa: F401
