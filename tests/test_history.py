"""History: a real SQLite file, reports added per commit, series and steps, the CLI."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from bench.ci.history import SeriesKey, add_report, default_db, regressions, series
from bench.cli import cli
from bench.measure.progress import LineTasks
from bench.result.models import (
    DeviceInfo,
    Harness,
    HostInfo,
    LatencyMs,
    Report,
    ResultSettings,
    RunResult,
)

HOST = HostInfo(cpu_model="test cpu", logical_cores=2, physical_cores=2, memory_bytes=2**30,
                os="Linux 6", kernel="6", machine="x86_64", python="3.11",
                onnxruntime="1.17", providers=["CPUExecutionProvider"])


def _result(model: str, p90: float, status: str = "ok") -> RunResult:
    lat = LatencyMs(min=p90 / 2, mean=p90 * 0.8, p50=p90 * 0.75, p90=p90, p95=p90 * 1.1,
                    p99=p90 * 1.3, max=p90 * 2, std=0.1) if status == "ok" else None
    return RunResult(model=model, model_sha256="0" * 64, precision="fp32",
                     scenario="single-stream", provider="CPUExecutionProvider",
                     input_shapes={"x": [1, 4]},
                     settings=ResultSettings(duration_s=1, min_queries=64, max_duration_s=9,
                                             warmup=1, threads=1, seed=0),
                     status=status, valid=status == "ok", latency_ms=lat, queries=100)


def _report(run_id: str, results: list[RunResult]) -> Report:
    return Report(run_id=run_id, created_at="2026-01-01T00:00:00+00:00",
                  harness=Harness(version="0.1.0"), host=HOST,
                  device=DeviceInfo(name="host", category="pc", profile="built-in"),
                  results=results)


def _fill(db: Path, cnn: list[float], mlp: list[float]) -> list[str]:
    commits = [f"{i:040x}" for i in range(len(cnn))]
    for i, sha in enumerate(commits):
        add_report(db, _report(f"run{i}", [_result("tiny_cnn", cnn[i]),
                                          _result("tiny_mlp", mlp[i])]), sha)
    return commits


def _noisy(levels: list[tuple[int, float]], seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    clean = np.concatenate([np.full(n, level) for n, level in levels])
    return list(clean * np.exp(rng.normal(0, 0.03, clean.size)))


def test_series_orders_commits_and_takes_the_median_of_reruns(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    add_report(db, _report("a", [_result("tiny_cnn", 1.0)]), "c1")
    add_report(db, _report("b", [_result("tiny_cnn", 3.0)]), "c2")
    add_report(db, _report("c", [_result("tiny_cnn", 2.0), _result("tiny_cnn", 9.0, "failed")]),
               "c1")
    add_report(db, _report("d", [_result("tiny_cnn", 1.2)]), "c1")
    assert add_report(db, _report("d", [_result("tiny_cnn", 1.2)]), "c1") == 0  # same run
    points = series(db, SeriesKey("tiny_cnn", "fp32", "single-stream"), "p90")
    assert [(p.commit, p.value, p.results) for p in points] == [("c1", 1.2, 3), ("c2", 3.0, 1)]
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_regressions_name_the_first_commit_of_each_step(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    commits = _fill(db, _noisy([(20, 1.0), (15, 1.25)], seed=1),
                    _noisy([(15, 0.05), (20, 0.04)], seed=2))
    found = {r.key.model: r for r in regressions(db, "p90", 0.05)}
    assert found["tiny_cnn"].commit == commits[20]
    assert found["tiny_cnn"].change == pytest.approx(0.25, abs=0.05)
    assert found["tiny_mlp"].commit == commits[15]
    assert found["tiny_mlp"].change == pytest.approx(-0.2, abs=0.05)


def test_regressions_in_worker_processes_match_and_report_progress(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    levels = {"m0": [(20, 1.0), (15, 1.3)], "m1": [(35, 2.0)], "m2": [(10, 1.0), (25, 0.7)],
              "m3": [(30, 4.0), (5, 5.0)], "m4": [(35, 3.0)]}
    values = {m: _noisy(lv, seed=i) for i, (m, lv) in enumerate(levels.items())}
    for i in range(35):
        add_report(db, _report(f"run{i}", [_result(m, v[i]) for m, v in values.items()]),
                   f"{i:040x}")
    here = regressions(db, "p90", 0.05, jobs=1)
    lines = io.StringIO()
    there = regressions(db, "p90", 0.05, progress=LineTasks(lines), jobs=2)
    assert there == here
    assert [(r.key.model, r.commit) for r in here] == [
        ("m0", f"{20:040x}"), ("m2", f"{10:040x}"), ("m3", f"{30:040x}")]
    text = lines.getvalue().splitlines()
    assert text[0] == "history: 5 series, 175 points, 2 processes"
    assert sorted(line.split()[1] for line in text[1:]) == ["m0", "m1", "m2", "m3", "m4"]
    assert all(line.startswith(f"[{i}/5] ") for i, line in enumerate(text[1:], 1))


def test_cli_regressions_exit_1_on_a_slowdown_only(tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "h.sqlite"
    commits = _fill(db, _noisy([(20, 1.0), (15, 1.25)], seed=1), _noisy([(35, 0.05)], seed=2))
    done = runner.invoke(cli, ["history", "regressions", "--db", str(db)])
    assert done.exit_code == 1, done.output
    assert commits[20][:12] in done.output and "tiny_cnn" in done.output
    assert "tiny_mlp" not in done.output
    flat = tmp_path / "flat.sqlite"
    _fill(flat, _noisy([(30, 1.0)], seed=3), _noisy([(20, 0.5), (10, 0.4)], seed=4))
    done = runner.invoke(cli, ["history", "regressions", "--db", str(flat), "--json"])
    assert done.exit_code == 0, done.output  # a speed-up is listed but passes
    assert [s["key"]["model"] for s in json.loads(done.output)] == ["tiny_mlp"]


def test_cli_add_and_show_with_plot(tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "h.sqlite"
    for i, p90 in enumerate([1.0, 1.1, 0.9]):
        path = tmp_path / f"r{i}.json"
        path.write_text(_report(f"run{i}", [_result("tiny_cnn", p90)]).model_dump_json())
        done = runner.invoke(cli, ["history", "add", str(path), "--commit", f"sha{i}",
                                   "--db", str(db)])
        assert done.exit_code == 0, done.output
        assert "1 result(s)" in done.output
    done = runner.invoke(cli, ["history", "show", "tiny_cnn", "--db", str(db), "--metric",
                               "p99", "--plot", str(tmp_path / "s.svg")])
    assert done.exit_code == 0, done.output
    assert "sha1" in done.output and "1.4300" in done.output  # p99 = 1.3 * 1.1
    assert (tmp_path / "s.svg").read_text().lstrip().startswith("<?xml")
    done = runner.invoke(cli, ["history", "show", "nope", "--db", str(db)])
    assert done.exit_code == 2 and "no history for model 'nope'" in done.output


def test_cli_add_refuses_a_file_that_is_not_a_report(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    done = CliRunner().invoke(cli, ["history", "add", str(bad), "--commit", "x", "--db",
                                    str(tmp_path / "h.sqlite")])
    assert done.exit_code == 2 and "bad.json" in done.output


def test_default_db_is_in_the_user_data_dir_or_the_env(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.delenv("EDGEBENCH_HISTORY_DB", raising=False)
    assert default_db().name == "history.sqlite" and "edgebench" in str(default_db())
    monkeypatch.setenv("EDGEBENCH_HISTORY_DB", str(tmp_path / "x.sqlite"))
    assert default_db() == tmp_path / "x.sqlite"


def test_history_add_of_a_real_run_as_a_subprocess(tmp_path: Path) -> None:
    out = tmp_path / "run"
    edgebench = [sys.executable, "-m", "bench"]
    subprocess.run([*edgebench, "run", "tiny_mlp", "--duration", "0.05", "--min-queries", "5",
                    "--warmup", "1", "--out", str(out), "--json"], check=True,
                   capture_output=True)
    done = subprocess.run([*edgebench, "history", "add", str(out / "report.json"), "--commit",
                           "abc123", "--db", str(tmp_path / "h.sqlite")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    show = subprocess.run([*edgebench, "history", "show", "tiny_mlp", "--db",
                           str(tmp_path / "h.sqlite"), "--json"], capture_output=True, text=True)
    points = json.loads(show.stdout)["tiny_mlp fp32 single-stream"]
    assert [p["commit"] for p in points] == ["abc123"] and points[0]["value"] > 0
