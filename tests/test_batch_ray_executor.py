"""The Ray executor on a real local Ray cluster of two fake devices (marker ``ray``).

Run with ``python -m pytest -m ray`` (needs ``pip install -e '.[fleet]'``; about two
minutes on 2 cores). The cluster is two ``ray start --block`` nodes on 127.0.0.2, one CPU
each, no dashboard; fixtures always stop them.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
import yaml

pytest.importorskip("ray", reason="needs Ray: pip install 'edgebench[fleet]'")

from bench.errors import UsageError  # noqa: E402
from bench.lab.batch import run_batch  # noqa: E402
from bench.lab.batch.cluster import fleet_status  # noqa: E402
from bench.lab.batch.journal import JOURNAL_NAME  # noqa: E402
from bench.lab.batch.ray_executor import PLACEMENT_NAME, RayExecutor  # noqa: E402
from bench.lab.catalog.store import Catalog  # noqa: E402
from bench.result.contract import load_report  # noqa: E402
from tests.fleet_cluster import LocalFleet  # noqa: E402

pytestmark = pytest.mark.ray

DEVICES = ("proto-a", "proto-b")
FAST = {"duration_s": 0.05, "min_queries": 5, "warmup": 1}


def write_plan(folder: Path, devices: tuple[str, ...] = DEVICES, **fields: object) -> Path:
    """Fake device profiles (the host profile under other names) and a plan over them."""
    for device in devices:
        (folder / f"{device}.yaml").write_text(yaml.safe_dump(
            {"name": device, "category": "pc", "description": f"fake device {device}",
             "workloads": [{"model": "tiny_cnn"}]}))
    plan = {"name": "fleet", "profiles": [f"{d}.yaml" for d in devices],
            "models": ["tiny_cnn", "tiny_mlp"], "repeats": 2, "timeout_s": 120,
            "settings": FAST} | fields
    path = folder / "plan.yaml"
    path.write_text(yaml.safe_dump(plan))
    return path


def start_fleet(folder: Path) -> LocalFleet:
    fleet = LocalFleet(folder)
    try:
        fleet.start(DEVICES[0], head=True)
        fleet.start(DEVICES[1])
    except BaseException:
        fleet.stop_all()
        raise
    return fleet


@pytest.fixture(scope="module")
def module_fleet(tmp_path_factory: pytest.TempPathFactory) -> LocalFleet:
    fleet = start_fleet(tmp_path_factory.mktemp("fleet"))
    yield fleet
    fleet.stop_all()


@pytest.fixture
def fleet(module_fleet: LocalFleet) -> LocalFleet:
    """The module's cluster, its traces emptied: a test sees only what it ran."""
    for device in DEVICES:
        module_fleet.trace(device).unlink(missing_ok=True)
    return module_fleet


def journal_rows(out: Path) -> tuple[list[tuple[str, str, str | None]], list[str]]:
    db = sqlite3.connect(out / JOURNAL_NAME)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        results = db.execute("SELECT key, status, cause FROM results").fetchall()
        attempts = [k for (k,) in db.execute("SELECT key FROM attempts ORDER BY id")]
    finally:
        db.close()
    return results, attempts


def traced(fleet: LocalFleet, device: str) -> list[str]:
    path = fleet.trace(device)
    return [ln.rsplit(" ", 1)[0] for ln in path.read_text().splitlines()] if path.exists() else []


def node_of(fleet: LocalFleet) -> dict[str, str]:
    return {n.devices[0]: n.node_id for n in fleet_status(fleet.address)}


def test_fleet_status_lists_both_devices_idle(fleet: LocalFleet) -> None:
    done = subprocess.run([sys.executable, "-m", "bench", "fleet", "status", "--address",
                           fleet.client_address, "--json"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    nodes = json.loads(done.stdout)
    assert sorted(d for n in nodes for d in n["devices"]) == sorted(DEVICES)
    assert {n["state"] for n in nodes} == {"idle"}


def test_every_run_lands_on_a_node_holding_its_device(fleet: LocalFleet,
                                                      tmp_path: Path) -> None:
    plan, out = write_plan(tmp_path), tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "bench", "batch", str(plan), "--out", str(out),
                           "--executor", "ray", "--address", fleet.client_address, "--json"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ok"] == 8
    nodes = node_of(fleet)
    batch = json.loads((out / "batch.json").read_text())
    assert len(batch["runs"]) == 8
    for run in batch["runs"]:
        device = run["key"].split("/")[0]
        placement = json.loads((out / Path(run["report"]).parent / PLACEMENT_NAME).read_text())
        assert placement["resource"] == f"device:{device}"
        assert placement["node_id"] == nodes[device], run["key"]
    for device in DEVICES:  # what each node's own processes ran, as they traced it
        assert sorted(traced(fleet, device)) == sorted(
            r["key"] for r in batch["runs"] if r["key"].startswith(f"{device}/"))


def test_a_device_no_node_offers_is_refused_before_anything_is_written(
        fleet: LocalFleet, tmp_path: Path) -> None:
    plan = write_plan(tmp_path, devices=("proto-a", "proto-z"))
    with pytest.raises(UsageError, match="proto-z.*ray start --address"):
        run_batch(plan, tmp_path / "out", executor=RayExecutor(fleet.address))
    assert not (tmp_path / "out").exists()


def kill_when_running(fleet: LocalFleet, device: str, target: str,
                      killed: list[str]) -> threading.Thread:
    """Once a run has started on ``device``, SIGKILL ``target`` ("worker": the Ray worker
    running it; "raylet": the node's raylet); note the run's key in ``killed``."""
    marker = str(fleet.trace(device))

    def watch() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            for proc in psutil.process_iter(["cmdline"]):
                try:
                    if ("bench.lab.batch.child" not in " ".join(proc.info["cmdline"] or [])
                            or proc.environ().get("EDGEBENCH_TEST_TRACE") != marker):
                        continue
                    keys = traced(fleet, device)
                    if not keys:
                        continue
                    victim = proc.parent() if target == "worker" else fleet.raylet(device)
                    killed.append(keys[-1])
                    victim.send_signal(signal.SIGKILL)
                    return
                except (psutil.Error, OSError):
                    continue
            time.sleep(0.1)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_a_killed_worker_retries_its_run_once_and_the_batch_completes(
        fleet: LocalFleet, tmp_path: Path) -> None:
    plan, out = write_plan(tmp_path), tmp_path / "out"
    killed: list[str] = []
    watcher = kill_when_running(fleet, "proto-b", "worker", killed)
    outcome = run_batch(plan, out, executor=RayExecutor(fleet.address, retries=2, poll_s=1))
    watcher.join(5)
    assert len(killed) == 1 and killed[0].startswith("proto-b/")
    assert (outcome.total, outcome.pending) == (8, 0)
    results, attempts = journal_rows(out)
    keys = [k for k, _, _ in results]
    assert len(keys) == 8 and len(set(keys)) == 8
    assert attempts.count(killed[0]) == 2  # killed once, started again, then done
    assert all(status == "ok" for _, status, _ in results), results
    with Catalog.open(tmp_path / "catalog.sqlite") as catalog:
        for run in json.loads((out / "batch.json").read_text())["runs"]:
            catalog.add(load_report(out / run["report"]))
        assert catalog.count() == 8


def test_a_dead_node_fails_its_runs_and_the_batch_completes(tmp_path: Path) -> None:
    fleet = start_fleet(tmp_path)
    try:
        plan, out = write_plan(tmp_path), tmp_path / "out"
        killed: list[str] = []
        watcher = kill_when_running(fleet, "proto-b", "raylet", killed)
        outcome = run_batch(plan, out, executor=RayExecutor(fleet.address, retries=1,
                                                            poll_s=1))
        watcher.join(5)
    finally:
        fleet.stop_all()
    assert len(killed) == 1
    assert (outcome.total, outcome.pending) == (8, 0)
    results, attempts = journal_rows(out)
    assert sorted(k for k, _, _ in results) == sorted(set(k for k, _, _ in results))
    assert len(results) == 8
    by_device = {d: [(s, c) for k, s, c in results if k.startswith(d)] for d in DEVICES}
    assert all(s == "ok" for s, _ in by_device["proto-a"])
    failed = [c for s, c in by_device["proto-b"] if s == "failed"]
    assert failed and all("left the cluster" in c or "lost" in c for c in failed), failed
    assert attempts.count(killed[0]) <= 2  # started at most 1 + --retries times
    batch = json.loads((out / "batch.json").read_text())
    assert len({r["key"] for r in batch["runs"]}) == 8
