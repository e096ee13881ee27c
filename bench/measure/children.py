"""Child processes without spinning: wait for one to exit with a timeout (a pidfd and
``select``), kill its whole process group, name the signal that killed it, and, in the
child, exit when the parent closes our stdin. Standard library only: the batch runner and
the repeat workers both use these."""

from __future__ import annotations

import os
import select
import signal
import subprocess


def wait_exit(proc: subprocess.Popen[bytes], timeout_s: float) -> bool:
    """Block until the child exits or the timeout passes; never spins. True if it exited."""
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):  # not Linux >= 5.3: the standard library's wait
        try:
            proc.wait(timeout_s)
            return True
        except subprocess.TimeoutExpired:
            return False
    try:
        ready, _, _ = select.select([pidfd], [], [], max(timeout_s, 0.0))
    finally:
        os.close(pidfd)
    if not ready:
        return False
    proc.wait()
    return True


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child's process group (it was started in its own session) and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def signal_cause(returncode: int) -> str | None:
    """``crashed: killed by SIGSEGV`` for a child a signal ended, else None."""
    if returncode >= 0:
        return None
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = f"signal {-returncode}"
    return f"crashed: killed by {name}"


def watch_parent() -> None:
    """Blocks on stdin until the parent closes it (it died or it is done), then exits the
    process at once. Run it in a daemon thread of the child."""
    while os.read(0, 4096):  # the raw fd: no buffer lock to trip interpreter shutdown
        pass
    os._exit(3)
