"""Running one fresh worker process (``python -m bench.measure.worker``) and collecting its
result. The parent never spins: it blocks in ``select`` on the worker's result pipe with a
timeout, then on a pidfd for its exit (:mod:`bench.measure.children`).

A worker runs in its own session and process group, so a hang is killed with everything it
started. How it ends decides the outcome: ``done`` gives an observation; a signal, an exit
without a result or no result in time gives a failed repeat with its cause (``crashed:
killed by SIGSEGV``, ``timeout: ...``); ``usage`` raises a ``UsageError`` (exit 2) and
``bug`` a ``WorkerBug`` carrying the worker's traceback.

Time limits: until the worker says ``ready`` (interpreter start, imports, inputs loaded),
``STARTUP_S``; after it, twice the process's hard limit (``max_duration_s``) plus
``EDGEBENCH_WORKER_GRACE_S`` seconds (default 120: session creation, warm-up, collectors).
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from bench.errors import UsageError
from bench.measure.children import kill_group, signal_cause, wait_exit
from bench.measure.observe import Observation
from bench.measure.protocol import Reply, WireJob, observation_from_wire

STARTUP_S = 120.0
GRACE_ENV = "EDGEBENCH_WORKER_GRACE_S"
EXIT_WAIT_S = 30.0  # after its last message, how long a worker may take to exit


class WorkerBug(RuntimeError):
    """An exception in edgebench's own code inside a worker (its traceback attached)."""


@dataclass(frozen=True)
class WorkerOutcome:
    """How one worker process ended: an observation, or the cause of a failed repeat."""

    index: int
    pid: int | None
    observation: Observation | None
    error: str | None = None


def grace_s() -> float:
    try:
        return max(0.0, float(os.environ.get(GRACE_ENV, "120")))
    except ValueError:
        raise UsageError(f"{GRACE_ENV}={os.environ[GRACE_ENV]!r}: expected seconds") from None


class _Lines:
    """Lines from a pipe, waiting at most until a deadline for each (``select``)."""

    def __init__(self, fd: int) -> None:
        self.fd, self.buffer, self.closed = fd, bytearray(), False

    def next(self, deadline: float) -> bytes | None:
        """The next line; None when the deadline passed or the pipe closed first."""
        while b"\n" not in self.buffer:
            if self.closed:
                return None
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return None
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                self.closed = True
            self.buffer += chunk
        line, _, rest = bytes(self.buffer).partition(b"\n")
        self.buffer = bytearray(rest)
        return line


def _tail(handle: IO[bytes]) -> str:
    handle.seek(0)
    text = handle.read().decode(errors="replace")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1][:300] if lines else ""


def run_worker(wire: WireJob, on_tick: Callable[[float, int], None] | None = None,
               python: str = sys.executable) -> WorkerOutcome:
    """Run one worker to its end (see the module docstring); blocks, never spins."""
    read_fd, write_fd = os.pipe()
    run_limit = 2 * wire.settings.max_duration_s + grace_s()
    with tempfile.TemporaryFile() as log:
        try:
            proc = subprocess.Popen(
                [python, "-m", "bench.measure.worker", str(write_fd)], stdin=subprocess.PIPE,
                stdout=log, stderr=log, pass_fds=(write_fd,), start_new_session=True)
        finally:
            os.close(write_fd)
        lines, final, pid, limit = _Lines(read_fd), None, proc.pid, STARTUP_S
        try:
            assert proc.stdin is not None
            try:
                proc.stdin.write(wire.model_dump_json().encode() + b"\n")
                proc.stdin.flush()
            except BrokenPipeError:  # it died at once; its exit status tells why
                pass
            deadline = time.monotonic() + limit
            while final is None:
                line = lines.next(deadline)
                if line is None:
                    break
                reply = Reply.model_validate_json(line)
                if reply.event == "ready":
                    limit = run_limit
                    deadline = time.monotonic() + limit
                elif reply.event == "tick":
                    if on_tick is not None:
                        on_tick(reply.elapsed_s or 0.0, reply.queries or 0)
                else:
                    final = reply
            timed_out = final is None and not lines.closed
            if timed_out or not wait_exit(proc, EXIT_WAIT_S):
                kill_group(proc)
        except BaseException:  # Ctrl-C, or the run is being torn down
            kill_group(proc)
            raise
        finally:
            os.close(read_fd)
            try:
                proc.stdin.close()  # type: ignore[union-attr]
            except BrokenPipeError:
                pass
        return _outcome(wire, pid, final, proc.returncode,
                        f"timeout: no result after {limit:g} s; killed" if timed_out
                        else None, _tail(log))


def _outcome(wire: WireJob, pid: int, final: Reply | None, returncode: int,
             timeout: str | None, tail: str) -> WorkerOutcome:
    if final is not None and final.event == "done" and final.observation is not None:
        return WorkerOutcome(wire.index, pid, observation_from_wire(
            final.observation, wire.settings.scenario))
    if final is not None and final.event == "usage":
        raise UsageError(final.error or "bad input")
    if final is not None and final.event == "bug":
        raise WorkerBug(f"worker process {pid} (repeat {wire.index}) hit a bug in "
                        f"edgebench:\n{final.error}")
    if final is not None:
        return WorkerOutcome(wire.index, pid, None, final.error or "the run failed")
    cause = timeout or signal_cause(returncode) or (
        f"worker exited {returncode} without a result" + (f": {tail}" if tail else ""))
    return WorkerOutcome(wire.index, pid, None, cause)
