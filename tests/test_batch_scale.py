"""A batch plan of 2,000 runs: expanded, journaled and resumed without redoing anything.
Real plan files, a real journal (its rows set up as a batch killed after 1,999 runs leaves
them) and one real child process for the run left."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml

from bench.errors import SpecError
from bench.lab.batch import dry_run, run_batch
from bench.lab.batch.expand import expand, load_plan, plan_digest
from bench.lab.batch.journal import JOURNAL_NAME, Journal

ROOT = Path(__file__).resolve().parent.parent


def big_plan(folder: Path, repeats: int = 20) -> Path:
    """10 profiles x 5 models x 2 scenarios x ``repeats``."""
    host = (ROOT / "devices" / "host.yaml").read_text()
    names = []
    for i in range(10):
        (folder / f"lab-{i}.yaml").write_text(host.replace("name: host", f"name: lab-{i}", 1))
        names.append(f"lab-{i}.yaml")
    plan = {"name": "big", "profiles": names,
            "models": ["tiny_cnn", "tiny_mlp", "tiny_text", "ds_cnn_kws", "resnet8_cifar"],
            "scenarios": ["single-stream", "offline"],
            "repeats": repeats, "timeout_s": 120,
            "settings": {"duration_s": 0.05, "min_queries": 5, "warmup": 1}}
    path = folder / "plan.yaml"
    path.write_text(yaml.safe_dump(plan))
    return path


def test_a_plan_of_2000_runs_expands_to_distinct_runs_in_order(tmp_path: Path) -> None:
    planned = dry_run(big_plan(tmp_path))
    keys = [r.key for r in planned.runs]
    assert len(keys) == 2000 and len(set(keys)) == 2000
    assert [r.index for r in planned.runs] == list(range(1, 2001))
    assert keys[0] == "lab-0/tiny_cnn/fp32/single-stream/1"
    assert keys[-1] == "lab-9/resnet8_cifar/fp32/offline/20"


def test_a_run_named_twice_is_refused(tmp_path: Path) -> None:
    path = big_plan(tmp_path, repeats=1)
    plan = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump(plan | {"profiles": ["lab-0.yaml", "lab-1.yaml",
                                                         "lab-0.yaml"]}))
    with pytest.raises(SpecError, match="names run lab-0/tiny_cnn/fp32/single-stream/1 twice"):
        dry_run(path)


def test_settings_that_do_not_fit_a_scenario_are_one_line_naming_the_plan(
        tmp_path: Path) -> None:
    path = big_plan(tmp_path, repeats=1)
    plan = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump(plan | {"scenarios": ["single-stream", "server"]}))
    with pytest.raises(SpecError) as error:
        dry_run(path)
    assert str(error.value) == (f"{path}: scenario 'server' cannot run: --scenario server "
                                "needs --target-qps QPS or --find-max-qps")


def test_resume_after_1999_of_2000_runs_runs_the_last_one_only(tmp_path: Path) -> None:
    path = big_plan(tmp_path)
    plan = load_plan(path)
    runs = expand(plan, path)
    out = tmp_path / "out"
    Journal.create(out, plan_digest(plan, runs)).close()
    left = runs[1234]  # the run a kill interrupted
    conn = sqlite3.connect(out / JOURNAL_NAME)
    with conn:
        conn.executemany("INSERT INTO attempts (key, started_ns) VALUES (?, 1)",
                         [(r.key,) for r in runs])
        conn.executemany("INSERT INTO results VALUES (?, 'ok', NULL, ?, 1, 2, 0.5)",
                         [(r.key, f"runs/{r.slug}/report.json") for r in runs if r != left])
    conn.close()
    outcome = run_batch(path, out, resume=True)
    assert (outcome.total, outcome.ok, outcome.failed, outcome.pending) == (2000, 2000, 0, 0)
    batch = json.loads((out / "batch.json").read_text())
    assert len(batch["runs"]) == 2000
    record = batch["runs"][1234]
    assert record["key"] == left.key and record["attempts"] == 2
    assert (out / record["report"]).is_file()
    assert sorted(p.name for p in (out / "runs").iterdir()) == [left.slug]
