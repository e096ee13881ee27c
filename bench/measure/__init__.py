"""Measuring: plan the workloads (every bad input is found before anything runs), run each
one (a session, a scenario's timed loop, the collectors beside it; in this process or in
fresh worker processes merged into one result; threads chosen by a trial), the passes
after a run (output conformance, operator profile, roofline), MLPerf LoadGen as an
optional driver, progress, and ``scenarios/``: one module per scenario.
``bench.measure.run.run`` is the library's entry point (``bench.run``)."""
