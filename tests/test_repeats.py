"""Repeats in fresh processes: merging process results into one result (pure, from
measurements built by hand), real worker processes (different pids, recorded), a worker
that crashes or hangs, and the --repeats flag's bad values."""

from __future__ import annotations

import os
import shutil

import pytest

import bench
from bench.cli import cli
from bench.measure.merge import Repeat, merge
from bench.measure.plan import Job
from bench.measure.repeats import process_settings
from bench.result.repeats import process_samples, process_values
from bench.spec import RunSettings
from tests.process_results import process_result, tiny_job


@pytest.fixture(scope="module")
def job() -> Job:
    return tiny_job(repeats=4)


def _result(job: Job, level_ms: float, seed: int = 0):
    return process_result(job, level_ms, seed=seed)


def test_each_process_gets_its_share_but_enough_queries_for_its_percentile() -> None:
    share = process_settings(RunSettings(repeats=4, duration_s=10, min_queries=128,
                                         max_duration_s=60, check_outputs=True), 90.0)
    assert (share.repeats, share.duration_s, share.max_duration_s) == (1, 2.5, 15.0)
    assert share.min_queries == 64  # 128 / 4 = 32 is too few for a p90 claim
    assert not share.check_outputs  # checked once, by the parent
    assert process_settings(RunSettings(repeats=2, min_queries=2000), 99.0).min_queries == 1000


def test_merge_keeps_every_process_and_takes_the_median_headline(job: Job) -> None:
    levels = [1.00, 1.02, 0.99, 1.01]
    repeats = [Repeat(i + 1, 1000 + i, _result(job, lv, seed=i)) for i, lv in enumerate(levels)]
    merged = merge(job, repeats, 0.5, 64)
    runs = merged.processes.runs
    assert [r.pid for r in runs] == [1000, 1001, 1002, 1003]
    heads = [r.headline for r in runs]
    assert heads == [r.result.latency_ms.p90 for r in repeats]
    assert merged.latency_ms.p90 == pytest.approx(sum(sorted(heads)[1:3]) / 2)  # 4: middle two
    assert merged.interval.value == merged.latency_ms.p90
    assert merged.interval.field == "latency_ms.p90" and merged.interval.covers == "fresh process"
    assert merged.interval.low < min(heads) and merged.interval.high > max(heads)
    assert merged.stability.verdict == "stable" and merged.stability.values == heads
    # every sample kept, in process order, and each process's own slice found again
    assert merged.queries == len(merged.samples_ns) == 1600
    assert [r.first_sample for r in runs] == [0, 400, 800, 1200]
    assert process_samples(merged)[2] == list(repeats[2].result.samples_ns)
    assert process_values(merged, "p90") == pytest.approx(heads)
    assert merged.memory.peak_rss_bytes == 103  # the highest of the processes
    assert merged.settings.repeats == 4 and merged.settings.duration_s == 2
    assert merged.valid


def test_merge_names_a_failed_repeat_and_loses_nothing_else(job: Job) -> None:
    repeats = [Repeat(1, 11, _result(job, 1.0, seed=1)),
               Repeat(2, 12, None, "crashed: killed by SIGSEGV"),
               Repeat(3, 13, _result(job, 1.0, seed=3))]
    merged = merge(job, repeats, 0.5, 64)
    assert [r.status for r in merged.processes.runs] == ["ok", "failed", "ok"]
    assert merged.processes.runs[1].error == "crashed: killed by SIGSEGV"
    assert "repeat 2 of 3 failed: crashed: killed by SIGSEGV" in merged.invalid_reasons
    assert not merged.valid and merged.queries == 800 and merged.status == "ok"
    assert merged.processes.runs[2].first_sample == 400


def test_two_levels_merge_into_an_unstable_result(job: Job) -> None:
    repeats = [Repeat(i + 1, i, _result(job, lv, seed=i))
               for i, lv in enumerate([0.9, 2.1, 0.91, 2.05])]
    merged = merge(job, repeats, 0.5, 64)
    assert merged.stability.verdict == "unstable"
    assert "disagree" in merged.stability.reason


def test_one_process_result_states_its_interval_covers_one_process(job: Job) -> None:
    result = _result(job, 1.0)
    assert result.interval.covers == "one process" and result.processes is None
    lat = result.latency_ms
    assert result.interval.low <= lat.p90 <= result.interval.high


def test_repeats_run_in_fresh_processes_and_auto_threads_are_chosen_by_a_trial() -> None:
    settings = RunSettings(repeats=2, threads="auto", duration_s=0.2, min_queries=5,
                           max_duration_s=10, warmup=2)
    (result,) = bench.run(["tiny_mlp"], settings=settings).results
    assert result.status == "ok", result.error
    pids = [r.pid for r in result.processes.runs]
    assert len(set(pids)) == 2 and os.getpid() not in pids
    assert [r.status for r in result.processes.runs] == ["ok", "ok"]
    assert sum(r.queries for r in result.processes.runs) == result.queries
    assert result.interval.covers == "fresh process" and result.stability is not None
    trial = result.threads_trial
    assert trial is not None and result.settings.threads == trial.chosen
    assert 2 <= trial.processes_per_candidate <= 5  # more rounds only for more threads
    assert {c.threads for c in trial.candidates} == {1, 2}  # this 2-CPU machine
    assert all(len(c.values) + c.failed == trial.processes_per_candidate
               for c in trial.candidates)


def test_a_worker_that_crashes_or_hangs_is_a_failed_repeat(monkeypatch) -> None:
    monkeypatch.setenv("EDGEBENCH_TEST_WORKER_FAULT", "2:segv,3:hang")
    monkeypatch.setenv("EDGEBENCH_WORKER_GRACE_S", "3")
    settings = RunSettings(repeats=3, threads=1, duration_s=0.2, min_queries=5,
                           max_duration_s=1, warmup=1)
    (result,) = bench.run(["tiny_mlp"], settings=settings).results
    runs = result.processes.runs
    assert [r.status for r in runs] == ["ok", "failed", "failed"]
    assert runs[1].error == "crashed: killed by SIGSEGV"
    assert runs[2].error.startswith("timeout: no result after") and "killed" in runs[2].error
    assert result.status == "ok" and result.queries == runs[0].queries > 0
    assert any(reason.startswith("repeat 3 of 3 failed: timeout") for reason in
               result.invalid_reasons)


@pytest.mark.parametrize("value", ["0", "-1", "x", "2.5"])
def test_bad_repeats_are_one_line_and_exit_2(cli_runner, value: str) -> None:
    done = cli_runner.invoke(cli, ["run", "tiny_mlp", "--repeats", value])
    assert done.exit_code == 2
    lines = done.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: --repeats {value!r}")


def test_sustained_runs_refuse_repeats(cli_runner) -> None:
    done = cli_runner.invoke(cli, ["run", "tiny_mlp", "--sustained", "1", "--repeats", "3"])
    assert done.exit_code == 2 and "--sustained runs one long process" in done.output


def test_threads_auto_chooses_once_per_host_and_workload(monkeypatch) -> None:
    """The second invocation of the same workload keeps the first trial's choice (two
    invocations must not differ by a coin toss of the trial); EDGEBENCH_RETRIAL=1 or
    another workload trials again."""
    from bench.zoo.cache import cache_dir
    shutil.rmtree(cache_dir() / "threads-auto", ignore_errors=True)
    monkeypatch.delenv("EDGEBENCH_RETRIAL", raising=False)
    settings = RunSettings(repeats=1, threads="auto", duration_s=0.1, min_queries=5,
                           max_duration_s=10, warmup=1)

    def trial(model: str = "tiny_mlp", **update: object):
        (result,) = bench.run([model], settings=settings.model_copy(update=update)).results
        assert result.status == "ok", result.error
        return result.threads_trial

    first, second = trial(), trial()
    assert not first.reason.startswith("kept") and second.reason.startswith("kept")
    assert second.chosen == first.chosen and second.candidates == first.candidates
    assert not trial("tiny_cnn").reason.startswith("kept")
    monkeypatch.setenv("EDGEBENCH_RETRIAL", "1")
    assert not trial().reason.startswith("kept")
