"""How far the speed moved inside one process (``bench.stats.drift``) against hand-worked
numbers, and what an unstable result's reason says with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.measure import hostdrift
from bench.measure.merge import Repeat, merge, stability_of
from bench.result.compare import compare_reports
from bench.result.contract import load_report
from bench.stats.drift import drift
from tests.process_results import process_result, tiny_job

MS = 1_000_000


def test_a_steady_process_has_no_drift() -> None:
    found = drift([MS] * 2000)  # 2 s of 1 ms queries: 8 windows of 250
    assert found is not None
    assert found.medians_ns == (MS,) * 8 and found.window_s == 0.25
    assert found.ratio == 0.0 and not found.drifted


def test_a_step_to_a_slower_level_is_the_ratio_of_the_two_levels() -> None:
    # 1 s at 1.0 ms (4 windows of 250 queries), then 1 s at 1.5 ms: 166 queries fill
    # 0.249 s, so the 167th starts the next window: windows of 167, 167, 166 and 166
    samples = [MS] * 1000 + [3 * MS // 2] * 666
    found = drift(samples)
    assert found is not None
    assert found.medians_ns == (MS,) * 4 + (1.5 * MS,) * 4
    assert found.low_ns == MS and found.high_ns == 1.5 * MS  # trimmed: 2nd of each end
    assert found.ratio == pytest.approx(0.5) and found.drifted


def test_one_odd_window_is_trimmed_away_once_there_are_eight() -> None:
    samples = [MS] * 2000 + [2 * MS] * 125 + [MS] * 250  # 8 steady windows, 1 slow one, 1 more
    found = drift(samples)
    assert found is not None and len(found.medians_ns) == 10
    assert max(found.medians_ns) == 2 * MS
    assert found.ratio == 0.0
    # with fewer than 8 windows nothing is trimmed: the slow window counts
    short = drift([MS] * 1000 + [2 * MS] * 125 + [MS] * 250)
    assert short is not None and len(short.medians_ns) == 6 and short.ratio == 1.0


def test_a_window_holds_at_least_twenty_queries_and_four_windows_are_needed() -> None:
    slow = drift([50 * MS] * 100)  # 5 s of 50 ms queries: 1 s windows of 20
    assert slow is not None and slow.window_s == 1.0 and len(slow.medians_ns) == 5
    assert drift([50 * MS] * 79) is None  # 3 full windows and 19 left over
    assert drift([MS] * 500) is None  # 0.5 s: 2 windows
    assert drift([]) is None
    assert drift([0] * 1000) is None  # not a latency


def test_threshold_is_ten_percent() -> None:
    just = drift([100_000] * 10_000 + [110_000] * 10_000)  # 0.1 ms then 0.11 ms
    over = drift([100_000] * 10_000 + [110_100] * 10_000)
    assert just is not None and just.ratio == pytest.approx(0.10) and not just.drifted
    assert over is not None and over.drifted


def test_an_unstable_reason_says_the_host_moved_when_a_process_drifted() -> None:
    values = [1.0, 1.01, 1.45, 1.46, 1.0]
    host = stability_of(values, [0.02] * 5, [0.3] * 5, [1, 2, 3, 4, 5],
                        [0.01, 0.02, 0.46, 0.03, 0.0])
    assert host.verdict == "unstable"
    assert "inside process 3 (x1.46)" in host.reason
    assert "hardly waited for a CPU: the host itself changed speed" in host.reason
    # the process that moved waited for a CPU 14 % of its run, as every process did (a
    # busy loop in all of them: the wait test sees no difference): not called the host
    shared = stability_of(values, [0.02] * 5, [14.0] * 5, [1, 2, 3, 4, 5],
                          [0.01, 0.02, 0.46, 0.03, 0.0])
    assert shared.verdict == "unstable"
    assert "and it waited for a CPU (3 14% of its run): another process" in shared.reason
    assert "the host itself" not in shared.reason
    kept = stability_of(values, [0.02] * 5, [0.3] * 5, [1, 2, 3, 4, 5], [0.01] * 5)
    assert kept.verdict == "unstable" and "each process kept one speed" in kept.reason
    unknown = stability_of(values, [0.02] * 5, [0.3] * 5, [1, 2, 3, 4, 5],
                           [0.01, None, 0.0, 0.0, 0.0])
    assert unknown.reason.endswith("their intervals allow 10.5%")
    stable = stability_of([1.0, 1.01, 1.0], [0.02] * 3, [], [], [0.4, 0.0, 0.0])
    assert stable.verdict == "stable" and "host" not in stable.reason


def test_merge_records_each_process_drift_and_names_the_drifted_one() -> None:
    job = tiny_job(repeats=3)
    steady = [process_result(job, 1.0, n=2000, seed=i) for i in range(2)]
    moved = process_result(job, 1.0, samples_ns=[MS] * 500 + [3 * MS // 2] * 1000)
    result = merge(job, [Repeat(1, 11, steady[0]), Repeat(2, 12, moved),
                         Repeat(3, 13, steady[1])], 2.0, 64)
    drifts = [run.drift for run in result.processes.runs]
    assert drifts[0] < 0.02 and drifts[2] < 0.02  # within 1 % noise
    assert drifts[1] == pytest.approx(0.5)
    assert result.stability.verdict == "unstable"
    assert "inside process 2 (x1.50)" in result.stability.reason


def test_a_runs_drift_finding_names_the_process_that_moved_most() -> None:
    job = tiny_job(repeats=2)
    steady = process_result(job, 1.0, n=2000)
    moved = process_result(job, 1.0, samples_ns=[MS] * 500 + [3 * MS // 2] * 1000)
    quiet = merge(job, [Repeat(1, 11, steady), Repeat(2, 12, steady)], 2.0, 64)
    host = merge(job, [Repeat(1, 11, steady), Repeat(2, 12, moved)], 2.0, 64)
    (ok,) = hostdrift.of_results([quiet])
    assert ok.check == "drift" and ok.status == "ok" and ok.advice == ""
    assert "0 of 2 processes" in ok.detail
    (warn,) = hostdrift.of_results([quiet, host])
    assert warn.status == "warn" and "1 of 4 processes" in warn.detail
    assert "the most, 50.0%, tiny_mlp process 2" in warn.detail and "dedicated" in warn.advice
    one = process_result(job, 1.0, n=2000)  # measured in one process: no process level
    assert hostdrift.of_results([one]) == []


def test_the_doctor_probe_runs_one_fresh_process_and_judges_its_windows() -> None:
    finding = hostdrift.probe("tiny_mlp", seconds=1.5)
    assert finding.check == "drift" and finding.status in ("ok", "warn"), finding
    assert "one unbroken 1.5 s process of tiny_mlp at 1 thread" in finding.detail
    assert "windows of 0.25 s" in finding.detail
    assert (finding.status == "warn") == ("changed" in finding.detail)


def test_compare_says_when_an_inconclusive_sides_speed_moved_inside_its_processes() -> None:
    job = tiny_job(repeats=3)
    steady = [process_result(job, 1.0, n=2000, seed=i) for i in range(3)]
    moved = process_result(job, 1.0, samples_ns=[MS] * 500 + [3 * MS // 2] * 1000)
    base = merge(job, [Repeat(i + 1, 10 + i, r) for i, r in enumerate(steady)], 2.0, 64)
    new = merge(job, [Repeat(1, 21, steady[0]), Repeat(2, 22, moved),
                      Repeat(3, 23, steady[1])], 2.0, 64)
    golden = load_report(Path(__file__).parent / "golden" / "report.json")
    pair = compare_reports(golden.model_copy(update={"results": [base], "content_hash": None}),
                           golden.model_copy(update={"results": [new], "content_hash": None})
                           ).pairs[0]
    assert pair.kind == "inconclusive"
    assert "unstable new run" in pair.reason
    assert pair.reason.endswith(", the speed moving by up to x1.50 inside a process)")
