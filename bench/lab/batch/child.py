"""The entry point of one batch run: ``python -m bench.lab.batch.child``, a task on stdin.

It reads one JSON line (see ``RunTask.to_json``), runs it through ``bench.run`` and writes
the report into the task's folder. Exit codes: 0 the run succeeded, 1 it failed (recorded
in the report), 2 bad input. It exits at once when its stdin closes: the batch is gone.

Test-only hooks, read from the environment (never set them in production):
``EDGEBENCH_TEST_FAULT=MODEL:segv,MODEL:hang`` makes the run of MODEL kill itself with
SIGSEGV or hang; ``EDGEBENCH_TEST_TRACE=FILE`` appends ``KEY START_NS`` to FILE at start.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

from bench.measure.children import watch_parent


def _test_hooks(key: str, model: str) -> None:
    trace = os.environ.get("EDGEBENCH_TEST_TRACE")
    if trace:
        with open(trace, "a", encoding="utf-8") as handle:
            handle.write(f"{key} {time.time_ns()}\n")
            handle.flush()
            os.fsync(handle.fileno())
    for item in os.environ.get("EDGEBENCH_TEST_FAULT", "").split(","):
        target, _, fault = item.partition(":")
        if target != model:
            continue
        if fault == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        if fault == "hang":
            threading.Event().wait()


def main() -> int:
    task = json.loads(sys.stdin.buffer.readline())
    threading.Thread(target=watch_parent, daemon=True).start()  # exits when the batch dies
    _test_hooks(task["key"], task["model"])

    import bench
    from bench.errors import EdgebenchError
    from bench.report import write_report
    from bench.spec import RunSettings

    try:
        report = bench.run([task["model"]], device=task["profile"],
                           settings=RunSettings.model_validate(task["settings"]))
        write_report(report, Path(task["out"]))
    except EdgebenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 1 if any(r.status == "failed" for r in report.results) else 0


if __name__ == "__main__":
    sys.exit(main())
