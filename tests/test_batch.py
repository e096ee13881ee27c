"""Batch runs: real child processes, a real SQLite journal, real SIGKILL and SIGINT."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import yaml

from bench.errors import ModelNotFoundError, ProfileNotFoundError, SpecError
from bench.lab.batch import dry_run, run_batch
from bench.lab.batch.journal import JOURNAL_NAME

FAST = {"duration_s": 0.05, "min_queries": 5, "warmup": 1}


def write_plan(folder: Path, **fields: object) -> Path:
    plan = {"name": "t", "profiles": ["host"], "models": ["tiny_cnn", "tiny_mlp", "tiny_text"],
            "repeats": 2, "timeout_s": 60, "settings": FAST} | fields
    path = folder / "plan.yaml"
    path.write_text(yaml.safe_dump(plan))
    return path


def batch_cmd(plan: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "bench", "batch", str(plan), "--out", str(out), *extra]


def read_trace(path: Path) -> list[tuple[str, int]]:
    if not path.exists():
        return []
    return [(k, int(t)) for k, t in (ln.rsplit(" ", 1) for ln in path.read_text().splitlines())]


def wait_for_no_child(marker: str, limit_s: float = 20.0) -> None:
    """The batch's children must die with it (they watch their stdin)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        alive = []
        for proc in psutil.process_iter(["pid"]):
            try:
                if proc.environ().get("EDGEBENCH_TEST_TRACE") == marker:
                    alive.append(proc.pid)
            except (psutil.Error, OSError):
                continue
        if not alive:
            return
        time.sleep(0.1)
    raise AssertionError(f"children outlived the killed batch: {alive}")


def test_dry_run_expands_the_grid(tmp_path: Path) -> None:
    plan = write_plan(tmp_path, precisions=["fp32"], repeats=3)
    planned = dry_run(plan)
    assert [r.key for r in planned.runs][:3] == [f"host/tiny_cnn/fp32/single-stream/{i}"
                                                 for i in (1, 2, 3)]
    assert len(planned.runs) == 9
    assert planned.estimate_s > 9 * 0.05


def test_profiles_only_plan_runs_their_workloads(tmp_path: Path) -> None:
    plan = write_plan(tmp_path, models=[], repeats=1)
    assert [r.model for r in dry_run(plan).runs] == ["tiny_cnn", "tiny_mlp", "tiny_text"]


def test_a_profile_with_intra_and_inter_op_threads_plans_its_intra_op_count(
        tmp_path: Path) -> None:
    """ai-pc says threads: {intra_op: 8, inter_op: 1}; a run's threads is the intra-op count
    (it was handed the whole mapping, a pydantic traceback)."""
    plan = write_plan(tmp_path, profiles=["ai-pc"], models=["tiny_mlp"], repeats=1)
    [run] = dry_run(plan).runs
    assert run.settings.threads == 8


def test_a_segfault_and_a_hang_fail_only_their_runs(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDGEBENCH_TEST_FAULT", "tiny_mlp:segv,tiny_text:hang")
    # 10 s: the healthy run must finish well inside it even on a loaded machine, where a
    # child's imports alone can take several seconds
    plan = write_plan(tmp_path, repeats=1, timeout_s=10,
                      settings=FAST | {"threads": 1})  # no --threads auto trial
    outcome = run_batch(plan, tmp_path / "out")
    assert (outcome.total, outcome.ok, outcome.failed, outcome.pending) == (3, 1, 2, 0)
    batch = json.loads((tmp_path / "out" / "batch.json").read_text())
    causes = {r["model"]: (r["status"], r["cause"]) for r in batch["runs"]}
    assert causes["tiny_cnn"] == ("ok", None)
    assert causes["tiny_mlp"] == ("failed", "crashed: killed by SIGSEGV")
    assert causes["tiny_text"][0] == "failed"
    assert causes["tiny_text"][1].startswith("timeout: no result after 10 s")


def kill_and_resume(tmp_path: Path, trial: int, rng: random.Random,
                    window_s: float = 5.0) -> None:
    folder = tmp_path / f"trial{trial}"
    folder.mkdir()
    plan, out, trace = write_plan(folder), folder / "out", folder / "trace.txt"
    env = os.environ | {"EDGEBENCH_TEST_TRACE": str(trace)}
    proc = subprocess.Popen(batch_cmd(plan, out), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    kill_after = rng.uniform(0.2, window_s)
    try:
        proc.wait(kill_after)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    wait_for_no_child(str(trace))
    killed_at = time.time_ns()
    before = 0
    if (out / JOURNAL_NAME).exists():
        journal = sqlite3.connect(out / JOURNAL_NAME)
        try:
            before = journal.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        except sqlite3.OperationalError:  # killed before the journal's first commit
            pass
        journal.close()
    done = subprocess.run(batch_cmd(plan, out, "--resume", "--json"), env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    batch = json.loads((out / "batch.json").read_text())
    keys = [r["key"] for r in batch["runs"]]
    assert len(keys) == 6 and len(set(keys)) == 6
    assert all(r["status"] == "ok" for r in batch["runs"])
    db = sqlite3.connect(out / JOURNAL_NAME)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finished = dict(db.execute("SELECT key, finished_ns FROM results").fetchall())
    assert sorted(finished) == sorted(keys)
    for key, started in read_trace(trace):  # nothing started again once it had a result
        assert started < finished[key], f"{key} ran again after it completed"
    rerun = {k for k, t in read_trace(trace) if t > killed_at}
    assert rerun == {k for k, t in finished.items() if t > killed_at}
    assert len(rerun) == 6 - before
    print(f"trial {trial}: SIGKILL after {kill_after:.2f} s, {before} results kept, "
          f"{len(rerun)} run on resume, {len(read_trace(trace))} starts in all")
    db.close()


def test_kill_9_then_resume_gives_exactly_one_result_per_run(tmp_path: Path) -> None:
    kill_and_resume(tmp_path, 0, random.Random(7))


@pytest.mark.slow
def test_kill_9_ten_times_then_resume(tmp_path: Path) -> None:
    rng = random.Random()
    for trial in range(10):
        kill_and_resume(tmp_path, trial, rng, window_s=12.0)


def test_ctrl_c_stops_after_the_current_run(tmp_path: Path) -> None:
    plan, out, trace = write_plan(tmp_path, repeats=1), tmp_path / "out", tmp_path / "trace.txt"
    env = os.environ | {"EDGEBENCH_TEST_TRACE": str(trace)}
    proc = subprocess.Popen(batch_cmd(plan, out), env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not read_trace(trace) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "stopping after the current run" in err
    db = sqlite3.connect(out / JOURNAL_NAME)
    done = {k for (k,) in db.execute("SELECT key FROM results")}
    db.close()
    started = {k for k, _ in read_trace(trace)}
    assert done == started and 1 <= len(done) < 3
    assert not (out / "batch.json").exists()
    resumed = subprocess.run(batch_cmd(plan, out, "--resume"), env=env, capture_output=True,
                             timeout=300)
    assert resumed.returncode == 0
    assert len(json.loads((out / "batch.json").read_text())["runs"]) == 3


@pytest.mark.parametrize(("fields", "error", "needle"), [
    ({"profiles": ["no_such_profile"]}, ProfileNotFoundError, "no_such_profile"),
    ({"models": ["tiny_cnn", "no_such_model"]}, ModelNotFoundError, "no_such_model"),
    ({"precisions": ["int8"]}, SpecError, "does not offer 'int8'"),
    ({"repeats": 0}, SpecError, "repeats"),
])
def test_a_bad_plan_is_refused_before_anything_is_written(
        tmp_path: Path, fields: dict[str, object], error: type[Exception], needle: str) -> None:
    plan = write_plan(tmp_path, **fields)
    with pytest.raises(error, match=needle):
        run_batch(plan, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cli_bad_plan_is_one_line_exit_2(tmp_path: Path, cli_runner) -> None:
    from bench.cli import cli
    plan = write_plan(tmp_path, profiles=["nope"])
    result = cli_runner.invoke(cli, ["batch", str(plan), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "nope" in result.output
    assert not (tmp_path / "out").exists()


def test_a_second_start_without_resume_is_refused(tmp_path: Path) -> None:
    plan = write_plan(tmp_path, models=["tiny_mlp"], repeats=1)
    assert run_batch(plan, tmp_path / "out").ok == 1
    with pytest.raises(SpecError.__mro__[1], match="--resume"):
        run_batch(plan, tmp_path / "out")
    assert run_batch(plan, tmp_path / "out", resume=True).ok == 1  # nothing left to run
