"""The Ray executor: each planned run a Ray task on a node that offers its device.

A run of profile P requests the resource ``device:P`` (amount 1, no CPU), so Ray places it
on a node started with that resource and never two runs on one device unit at a time. On
the device the task does exactly what the local executor does (``LocalExecutor.run``: one
child process, its own session, the plan's timeout) in a temporary folder, and sends back
the outcome and the run's files; the batch writes them into the run's folder here, with
``placement.json`` naming the node. So the journal, ``--resume`` and ``batch.json`` are the
local executor's.

Results are taken as they finish (``ray.wait``), not in submission order. When a node or
its worker dies mid-run the run is started again, up to ``retries`` times, while a node with
its device is alive; after that it is recorded as failed with the cause. Exactly one
outcome is yielded per run, so the journal never has a run twice nor loses one.
"""

from __future__ import annotations

import json
import socket
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from bench.errors import UsageError
from bench.files import write_atomic
from bench.lab.batch.cluster import connect, device_capacity, device_of, device_resource
from bench.lab.batch.executor import REPORT_NAME, Executor, LocalExecutor, RunOutcome, RunTask
from bench.lab.batch.expand import PlannedRun

PLACEMENT_NAME = "placement.json"
POLL_S = 5.0  # how often in-flight devices are checked to still be in the cluster


@dataclass(frozen=True)
class DeviceRun:
    """What a device sends back: the local outcome, the run's files, where it ran."""

    status: Literal["ok", "failed"]
    cause: str | None
    started_ns: int
    finished_ns: int
    duration_s: float
    files: dict[str, bytes]
    node_id: str
    hostname: str


def run_on_device(task: RunTask, profile_yaml: str | None) -> DeviceRun:
    """The body of the Ray task, on the device: the local executor in a temporary folder.
    A profile given as a file on the batch's machine travels as its text."""
    import ray

    with tempfile.TemporaryDirectory(prefix="edgebench-run-") as tmp:
        folder = Path(tmp)
        profile = task.profile
        if profile_yaml is not None:
            profile = str(folder / Path(task.profile).name)
            Path(profile).write_text(profile_yaml, encoding="utf-8")
        local = replace(task, profile=profile, out_dir=folder / "run")
        outcome = LocalExecutor().run(local)
        files = {p.name: p.read_bytes() for p in local.out_dir.iterdir() if p.is_file()}
    return DeviceRun(outcome.status, outcome.cause, outcome.started_ns, outcome.finished_ns,
                     outcome.duration_s, files, ray.get_runtime_context().get_node_id(),
                     socket.gethostname())


def _profile_text(ref: str) -> str | None:
    path = Path(ref)
    return path.read_text(encoding="utf-8") if ref.endswith((".yaml", ".yml")) else None


def _last_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return (lines[-1] if lines else type(exc).__name__)[:300]


class RayExecutor(Executor):
    """Runs a batch across the device nodes of a Ray cluster (``address``: ``ray://HOST:
    PORT``, ``HOST:PORT``, ``auto``; None: ``$RAY_ADDRESS`` or ``auto``)."""

    def __init__(self, address: str | None = None, retries: int = 2,
                 poll_s: float = POLL_S) -> None:
        if retries < 0:
            raise UsageError(f"--retries {retries}: must be 0 or more")
        self._address = address
        self._retries = retries
        self._poll_s = poll_s

    def prepare(self, runs: list[PlannedRun]) -> None:
        """Refuse a plan naming a device no node offers, before anything is written."""
        ray, connected = connect(self._address)
        try:
            units = device_capacity(ray.nodes())
        finally:
            if connected:
                ray.shutdown()
        missing = sorted({device_of(r.key) for r in runs} - set(units))
        if missing:
            example = json.dumps({device_resource(missing[0]): 1})
            raise UsageError(
                f"no node of the Ray cluster offers device {', '.join(missing)}; on that "
                f"device run: ray start --address HEAD:6379 --resources '{example}' "
                "(edgebench fleet status lists the devices)")

    def run(self, task: RunTask) -> RunOutcome:
        return next(iter(self.run_all([task], lambda _: None, lambda: False)))

    def run_all(self, tasks: Iterable[RunTask], on_start: Callable[[RunTask], None],
                should_stop: Callable[[], bool]) -> Iterator[RunOutcome]:
        ray, connected = connect(self._address)
        try:
            yield from _Dispatch(ray, self._retries, self._poll_s, on_start,
                                 should_stop).run(list(tasks))
        finally:
            if connected:
                ray.shutdown()


class _Dispatch:
    """One batch's runs in flight: per device a queue, at most its units running."""

    def __init__(self, ray: ModuleType, retries: int, poll_s: float,
                 on_start: Callable[[RunTask], None], should_stop: Callable[[], bool]) -> None:
        self._ray = ray
        self._retries = retries
        self._poll_s = poll_s
        self._on_start = on_start
        self._should_stop = should_stop
        self._remote = ray.remote(run_on_device)
        self._queues: dict[str, deque[RunTask]] = {}
        self._busy: dict[str, int] = {}
        self._inflight: dict[Any, RunTask] = {}
        self._starts: dict[str, int] = {}
        self._stopped = False

    def run(self, tasks: list[RunTask]) -> Iterator[RunOutcome]:
        for task in tasks:
            self._queues.setdefault(device_of(task.key), deque()).append(task)
        try:
            yield from self._fill()
            while self._inflight:
                ready, _ = self._ray.wait(list(self._inflight), num_returns=1,
                                          timeout=self._poll_s)
                if ready:
                    outcome = self._collect(ready[0])
                    if outcome is not None:
                        yield outcome
                else:
                    yield from self._drop_orphans()
                yield from self._fill()
        finally:
            for ref in self._inflight:  # stopped at once (a second Ctrl-C) or torn down
                self._ray.cancel(ref, force=True)

    def _fill(self) -> Iterator[RunOutcome]:
        """Start queued runs on free device units; fail the runs of devices that left."""
        if self._stopped:
            return
        units = device_capacity(self._ray.nodes())
        for device, queue in self._queues.items():
            while queue and self._busy.get(device, 0) < units.get(device, 0):
                if self._should_stop():
                    self._stopped = True
                    return
                self._submit(queue.popleft())
            if queue and device not in units and not self._busy.get(device, 0):
                while queue:  # no node offers the device any more: nothing can run them
                    yield self._failed(queue.popleft(), f"device {device} left the cluster: "
                                       "no node offers it")

    def _submit(self, task: RunTask) -> None:
        device = device_of(task.key)
        self._on_start(task)
        self._starts[task.key] = self._starts.get(task.key, 0) + 1
        ref = self._remote.options(resources={device_resource(device): 1}, num_cpus=0,
                                   max_retries=0, retry_exceptions=False
                                   ).remote(task, _profile_text(task.profile))
        self._inflight[ref] = task
        self._busy[device] = self._busy.get(device, 0) + 1

    def _release(self, ref: Any) -> RunTask:
        task = self._inflight.pop(ref)
        self._busy[device_of(task.key)] -= 1
        return task

    def _collect(self, ref: Any) -> RunOutcome | None:
        task = self._release(ref)
        exceptions = self._ray.exceptions
        try:
            result: DeviceRun = self._ray.get(ref)
        except exceptions.RayTaskError as exc:  # the task itself raised: not the node's fault
            return self._failed(task, f"device error: {_last_line(exc)}")
        except exceptions.RayError as exc:  # the node or its worker died, or was cancelled
            return self._lost(task, type(exc).__name__)
        return self._land(task, result)

    def _lost(self, task: RunTask, why: str) -> RunOutcome | None:
        starts = self._starts[task.key]
        if starts <= self._retries:
            self._queues[device_of(task.key)].appendleft(task)  # retried next, on any unit
            return None
        return self._failed(task, f"lost: its device's node or worker died ({why}); "
                                  f"started {starts} times")

    def _drop_orphans(self) -> Iterator[RunOutcome]:
        """In-flight runs whose device has no alive node wait forever in Ray: end them."""
        units = device_capacity(self._ray.nodes())
        for ref, task in list(self._inflight.items()):
            if device_of(task.key) not in units:
                self._ray.cancel(ref, force=True)
                self._release(ref)
                outcome = self._lost(task, "its node left the cluster")
                if outcome is not None:
                    yield outcome

    def _failed(self, task: RunTask, cause: str) -> RunOutcome:
        now = time.time_ns()
        return RunOutcome(task.key, "failed", cause, None, now, now, 0.0)

    def _land(self, task: RunTask, result: DeviceRun) -> RunOutcome:
        """Write the device's files into the run's folder; the placement last."""
        task.out_dir.mkdir(parents=True, exist_ok=True)
        for name, data in result.files.items():
            write_atomic(task.out_dir / Path(name).name, data)
        placement = {"node_id": result.node_id, "hostname": result.hostname,
                     "resource": device_resource(device_of(task.key)),
                     "attempt": self._starts[task.key]}
        write_atomic(task.out_dir / PLACEMENT_NAME,
                     (json.dumps(placement, indent=2) + "\n").encode())
        report = task.out_dir / REPORT_NAME
        return RunOutcome(task.key, result.status, result.cause,
                          report if report.is_file() else None, result.started_ns,
                          result.finished_ns, result.duration_s)
