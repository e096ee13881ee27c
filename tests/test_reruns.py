"""The interval widened by the earlier invocations of a workload on this host
(bench.measure.reruns): hand-worked numbers, what is kept and for how long, what is left
alone, and a real `edgebench run` that states it."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest

from bench.measure import reruns
from bench.measure.plan import Job
from bench.measure.reruns import Invocation
from bench.report.process_sections import interval_text
from tests.process_results import multi_process, tiny_job

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EDGEBENCH_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv(reruns.ENV, "1")
    return tmp_path


@pytest.fixture(scope="module")
def job() -> Job:
    return tiny_job(repeats=4)


def _seed(job: Job, headlines: list[float], age: dt.timedelta = dt.timedelta(hours=1)) -> None:
    reruns.remember(job, [Invocation(headline=h, at=NOW - age) for h in headlines])


def _kept(job: Job) -> list[float]:
    return [i.headline for i in reruns.earlier(job, NOW)]


def test_four_earlier_invocations_widen_the_interval_by_hand_worked_numbers(job: Job) -> None:
    result = multi_process(job, [1.0, 1.0, 1.0, 1.0])
    v = result.interval.value
    earlier = [0.8, 1.25, 0.9, 1.1]
    _seed(job, earlier)
    widened = reruns.widen(job, result, NOW).interval
    # by hand: logs of the five headlines, mean +/- t(0.975, 4) s sqrt(1 + 1/5)
    logs = [math.log(h) for h in [*earlier, v]]
    mean = sum(logs) / 5
    s = math.sqrt(sum((y - mean) ** 2 for y in logs) / 4)
    half = 2.776445 * s * math.sqrt(1.2)
    assert widened.rerun_low == pytest.approx(math.exp(mean - half))
    assert widened.rerun_high == pytest.approx(math.exp(mean + half))
    assert widened.low == pytest.approx(min(result.interval.low, math.exp(mean - half)))
    assert widened.high == pytest.approx(max(result.interval.high, math.exp(mean + half)))
    assert widened.low < 0.8 and widened.high > 1.25  # wider than the processes' own
    assert widened.relative_half_width == pytest.approx(
        max(v - widened.low, widened.high - v) / v)
    assert widened.earlier_invocations == 4 and "JCGM 100:2008" in widened.method
    assert widened.value == v and widened.covers == "fresh process"
    assert _kept(job) == [*earlier, v]  # this one kept for the next
    assert "4 earlier invocations on this host" in interval_text(widened)


def test_fewer_than_four_earlier_leave_the_interval_and_count_them(job: Job) -> None:
    result = multi_process(job, [1.0, 1.0, 1.0, 1.0])
    _seed(job, [0.5, 2.0, 0.7])
    stated = reruns.widen(job, result, NOW).interval
    assert (stated.low, stated.high) == (result.interval.low, result.interval.high)
    assert stated.earlier_invocations == 3 and stated.rerun_low is None
    assert len(_kept(job)) == 4


def test_only_the_last_twenty_younger_than_a_week_are_kept_and_used(job: Job) -> None:
    result = multi_process(job, [1.0, 1.0, 1.0, 1.0])
    _seed(job, [5.0] * 10, age=dt.timedelta(days=8))  # too old: not used, dropped
    assert _kept(job) == []
    reruns.remember(job, [*[Invocation(headline=5.0, at=NOW - dt.timedelta(hours=2))] * 6,
                          *[Invocation(headline=1.0 + i / 100, at=NOW - dt.timedelta(hours=1))
                            for i in range(19)]])
    widened = reruns.widen(job, result, NOW).interval
    assert widened.earlier_invocations == 19 and widened.high < 2.0  # the 5.0s fell off
    assert len(_kept(job)) == reruns.KEEP


def test_other_workloads_repeats_1_and_the_switch_are_left_alone(
        job: Job, monkeypatch: pytest.MonkeyPatch, _own_cache: Path) -> None:
    _seed(job, [0.5, 2.0, 0.7, 1.5])
    other = tiny_job(repeats=3)  # another run length: another record
    assert reruns.widen(other, multi_process(other, [1.0, 1.0, 1.0]), NOW) \
        .interval.earlier_invocations == 0
    single = tiny_job(repeats=1)
    one = multi_process(single, [1.0])
    assert reruns.widen(single, one, NOW) is one
    monkeypatch.setenv(reruns.ENV, "0")
    four = multi_process(job, [1.0, 1.0, 1.0, 1.0])
    assert reruns.widen(job, four, NOW) is four
    assert len(_kept(job)) == 4  # nothing added while switched off


def test_an_unreadable_record_starts_afresh(job: Job, _own_cache: Path) -> None:
    _seed(job, [1.0])
    path = next((_own_cache / "models" / "reruns").glob("*.json"))
    path.write_bytes(b"\xff{not json")
    stated = reruns.widen(job, multi_process(job, [1.0, 1.0, 1.0, 1.0]), NOW).interval
    assert stated.earlier_invocations == 0
    assert len(json.loads(path.read_text())["invocations"]) == 1


def test_a_real_run_states_the_interval_of_its_earlier_invocations(
        cli_runner, tmp_path: Path) -> None:
    from bench.cli import cli

    args = ["run", "tiny_mlp", "--repeats", "2", "--threads", "1", "--duration", "0.4",
            "--json"]
    first = cli_runner.invoke(cli, [*args, "--out", str(tmp_path / "a")])
    assert first.exit_code in (0, 1), first.output
    head = json.loads(first.output)["results"][0]["interval"]
    assert head["earlier_invocations"] == 0
    path = next((tmp_path / "models" / "reruns").glob("*.json"))
    kept = json.loads(path.read_text())["invocations"]
    at = kept[0]["at"]
    kept = [{"headline": head["value"] * f, "at": at} for f in (0.5, 2.0, 0.8)] + kept
    path.write_text(json.dumps({"invocations": kept}))
    second = cli_runner.invoke(cli, [*args, "--out", str(tmp_path / "b")])
    assert second.exit_code in (0, 1), second.output
    iv = json.loads(second.output)["results"][0]["interval"]
    assert iv["earlier_invocations"] == 4
    assert iv["low"] < head["value"] * 0.6 and iv["high"] > head["value"] * 1.8
    report = (tmp_path / "b" / "report.md").read_text()
    assert "4 earlier invocations on this host" in report
