"""The entry point of one fresh worker process: ``python -m bench.measure.worker FD``.

It reads one job from stdin (a :class:`bench.measure.protocol.WireJob` as one JSON line),
loads the seeded inputs the parent generated, opens its own session, warms up and runs the
measured run (:func:`bench.measure.observe.observe`, the code the parent uses with
``--repeats 1``), and writes its messages (:class:`bench.measure.protocol.Reply`, one JSON
line each) to the file descriptor FD. It imports neither the model zoo nor ONNX, so it
starts quickly. It exits at once when its stdin closes: the parent is gone.

Test-only hooks, read from the environment (never set them in production):
``EDGEBENCH_TEST_WORKER_FAULT=2:segv,3:hang`` makes repeat 2 kill itself with SIGSEGV and
repeat 3 hang once its measured run would start.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import traceback
from pathlib import Path

from bench.measure.children import watch_parent


def _test_hooks(index: int) -> None:
    for item in os.environ.get("EDGEBENCH_TEST_WORKER_FAULT", "").split(","):
        which, _, fault = item.partition(":")
        if which != str(index):
            continue
        if fault == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        if fault == "hang":
            threading.Event().wait()


def main(argv: list[str]) -> int:
    out = os.fdopen(int(argv[1]), "w", buffering=1, encoding="utf-8")
    line = sys.stdin.buffer.readline()
    threading.Thread(target=watch_parent, daemon=True).start()
    pid = os.getpid()

    def send(event: str, **fields: object) -> None:
        out.write(json.dumps({"event": event, "pid": pid, **fields}) + "\n")
        out.flush()

    try:
        import numpy as np

        from bench.device import session
        from bench.errors import UsageError
        from bench.measure.observe import RUN_FAILURES, observe
        from bench.measure.protocol import WireJob, job_from_wire, observation_to_wire

        wire = WireJob.model_validate_json(line)
        job = job_from_wire(wire)
        with np.load(wire.feeds, allow_pickle=False) as data:
            feeds = {name: data[name] for name in data.files}
        artifacts = None if wire.artifacts is None else Path(wire.artifacts)
        send("ready")
        _test_hooks(wire.index)

        def tick(elapsed_s: float, queries: int) -> None:
            send("tick", elapsed_s=elapsed_s, queries=queries)

        try:
            # custom ops as the parent resolved them; onnxruntime's log lines go to fd 2,
            # which the parent shares and captures
            with session.custom_ops(job.settings.custom_ops):
                observed, _ = observe(job, feeds, tick, artifacts)
        except RUN_FAILURES as exc:
            send("failed", error=str(exc).strip() or type(exc).__name__)
            return 1
        except UsageError as exc:
            send("usage", error=str(exc))
            return 2
        send("done", observation=observation_to_wire(observed).model_dump(mode="json"))
        out.close()
        os._exit(0)  # nothing to clean up: skip the interpreter's teardown (~0.2 s)
    except Exception:  # a bug in edgebench: the parent shows the traceback
        send("bug", error=traceback.format_exc())
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
