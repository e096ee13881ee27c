"""For CI: interleaved A/B runs (``ab``), the history of results per commit with step
detection (``history``) and its plot; the pytest plugin itself is ``bench.pytest_plugin``
(pytest's entry point names it) with the suite test it collects in ``pytest_suite``."""
