"""Everything downstream of a result measured in several processes: compare (processes as
units, unstable pairs inconclusive), ab (rounds as units), certification (the margin
against the interval's bound; unstable results not certified), score, --threads auto's
choice, and report.md's section."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.ci.ab import interleave
from bench.lab.catalog.verdict import check_validity, judge
from bench.measure.threads import _candidate, candidates, choose
from bench.report.markdown import render_markdown
from bench.result.compare import compare_reports
from bench.result.contract import load_report
from bench.result.scores import score_report
from bench.spec.criteria import Criterion, ValidityRules
from tests.process_results import multi_process, tiny_job

GOLDEN = Path(__file__).parent / "golden" / "report.json"


@pytest.fixture(scope="module")
def job():
    return tiny_job(repeats=5)


def _report(*results):
    golden = load_report(GOLDEN)
    return golden.model_copy(update={"results": list(results), "content_hash": None})


STEADY = [1.00, 1.01, 0.99, 1.02, 1.00]


def test_compare_uses_processes_as_units(job) -> None:
    base = multi_process(job, STEADY)
    same = multi_process(job, [1.01, 1.00, 0.99, 1.00, 1.02], seed=10)
    slow = multi_process(job, [v * 1.15 for v in STEADY], seed=20)
    pair = compare_reports(_report(base), _report(same)).pairs[0]
    assert pair.kind == "unchanged" and pair.verdict.units == "processes"
    assert (pair.verdict.n_base, pair.verdict.n_new) == (5, 5)
    pair = compare_reports(_report(base), _report(slow)).pairs[0]
    assert pair.kind == "regressed" and pair.verdict.ratio == pytest.approx(1.15, rel=0.01)
    assert pair.verdict.ci_low > 1.05


def test_an_unstable_pair_is_inconclusive_never_regressed(job) -> None:
    base = multi_process(job, STEADY)
    bimodal = multi_process(job, [0.9, 2.1, 2.05, 2.1, 0.91], seed=30)
    pair = compare_reports(_report(base), _report(bimodal)).pairs[0]
    assert pair.kind == "inconclusive" and "unstable new run" in pair.reason
    assert pair.verdict is not None  # the interval is still shown
    assert compare_reports(_report(base), _report(bimodal)).counts()["inconclusive"] == 1


def test_one_process_on_either_side_falls_back_to_the_samples(job) -> None:
    golden = load_report(GOLDEN)
    pair = compare_reports(golden, golden).pairs[0]
    assert pair.verdict.units == "samples"


def test_ab_uses_rounds_as_units(job) -> None:
    rounds = iter([multi_process(job, [v * s for v in STEADY], seed=i)
                   for i, s in enumerate([1.0, 1.2, 1.21, 1.0, 1.01, 1.2])])
    outcome = interleave(lambda: next(rounds), lambda: next(rounds), rounds=3)
    # order AB BA AB: base gets 1.0, 1.0, 1.01; candidate 1.2, 1.21, 1.2
    assert outcome.verdict.units == "rounds" and outcome.verdict.n_base == 3
    assert outcome.regressed and outcome.runs[0].metric_ms == pytest.approx(
        multi_process(job, STEADY, seed=0).latency_ms.p90)


def test_a_margin_is_taken_against_the_interval_bound(job) -> None:
    result = multi_process(job, STEADY)
    p90, high = result.latency_ms.p90, result.interval.high
    threshold = (p90 + high) / 2  # the point passes, the bound a re-run reaches does not
    line = judge(_report(result), Criterion(metric="latency_p90", op="<=",
                                            threshold=threshold, unit="ms"))
    assert not line.passed and line.value == pytest.approx(high)
    assert line.margin == pytest.approx(threshold - high)
    assert "upper bound of the 95% interval" in line.detail
    # a metric that is not the headline is judged at its point
    mean = judge(_report(result), Criterion(metric="latency_mean", op="<=", threshold=99,
                                            unit="ms"))
    assert mean.value == pytest.approx(result.latency_ms.mean)


def test_an_unstable_result_is_not_certified(job) -> None:
    steady, bimodal = multi_process(job, STEADY), multi_process(job, [0.9, 2.1, 0.9, 2.1, 0.9])
    line = check_validity(_report(steady, bimodal), ValidityRules())[-1]
    assert line.label == "validity: every result stable across processes"
    assert not line.passed and "disagree" in line.detail
    assert check_validity(_report(steady), ValidityRules())[-1].passed
    assert check_validity(_report(bimodal), ValidityRules(allow_unstable=True))[-1] \
        .label != line.label


def test_score_leaves_out_an_unstable_result(job) -> None:
    reference = _report(multi_process(job, STEADY))
    shaky = _report(multi_process(job, [0.9, 2.1, 0.9, 2.1, 0.9]))
    (scored,) = score_report(reference, reference)
    assert scored.score == pytest.approx(1000)
    (partial,) = score_report(shaky, reference)
    assert partial.partial and partial.missing == ("tiny_mlp (unstable)",)


def test_threads_auto_prefers_a_steady_count_over_a_faster_bimodal_one() -> None:
    assert candidates(2) == [1, 2] and candidates(6) == [1, 2, 4, 6]
    assert candidates(8, cap=2) == [1, 2] and candidates(1) == [1]
    one = _candidate(1, [0.92, 0.93, 0.91], 0)
    two = _candidate(2, [0.80, 2.10, 0.81], 0)  # faster in two processes of three, bimodal
    assert one.stable and not two.stable
    chosen, why = choose([one, two], higher_is_better=False)
    assert chosen == 1 and "not steady: 2" in why
    # both steady: more threads only when more than 10 % faster
    close, fast = _candidate(2, [0.86, 0.87, 0.86], 0), _candidate(2, [0.70, 0.71, 0.70], 0)
    assert choose([one, close], False)[0] == 1
    assert choose([one, fast], False)[0] == 2
    # no steady count: the fastest median, fewer threads unless more are faster by more
    # than the widest spread (67 % / 78 % here; 0.9 / 0.45 is 100 % faster)
    noisy_one = _candidate(1, [0.9, 1.5, 0.9], 0)
    assert choose([noisy_one, _candidate(2, [0.85, 1.6, 0.84], 0)], False)[0] == 1
    assert choose([noisy_one, _candidate(2, [0.45, 0.8, 0.45], 0)], False)[0] == 2
    # a failed trial run is never steady
    assert not _candidate(1, [0.9, 0.9], 1).stable


def test_threads_auto_on_a_noisy_machine_does_not_take_the_wider_scatter() -> None:
    # the trial that put the CNN of benchmarks/calibration.py on 2 threads on this VM
    # (p90 ms): neither count steady, 2 threads faster by median but spread 43 % vs 17 %
    one = _candidate(1, [4.052, 3.557, 3.453], 0)
    two = _candidate(2, [2.335, 2.674, 3.341], 0)
    assert not one.stable and not two.stable
    assert round(one.spread, 3) == 0.173 and round(two.spread, 3) == 0.431  # 4.052/3.453-1
    chosen, why = choose([one, two], higher_is_better=False)
    assert chosen == 1 and "spread too wide: 2 (43%)" in why
    # the MLP's trial: spreads 24 % and 22 % (within 1.5x): the faster count, 2 threads
    assert choose([_candidate(1, [0.073, 0.091, 0.090], 0),
                   _candidate(2, [0.052, 0.053, 0.063], 0)], False)[0] == 2
    # a trial of this VM's CNN where both scattered (37 % / 48 %): 2 threads' median is
    # 27 % faster, within the scatter: 1 thread
    assert choose([_candidate(1, [1.358649, 1.633654, 1.865619], 0),
                   _candidate(2, [1.288086, 1.146742, 1.697033], 0)], False)[0] == 1
    # the bound is 1.5x the tightest: 0.20 -> 0.28 competes (and is 37.5 % faster, more
    # than its 28 % spread), 0.32 does not
    base = _candidate(1, [1.0, 1.2, 1.1], 0)
    assert choose([base, _candidate(2, [0.75, 0.96, 0.8], 0)], False)[0] == 2
    assert choose([base, _candidate(2, [0.75, 0.99, 0.8], 0)], False)[0] == 1


def test_threads_auto_never_leaves_out_the_fewest_threads() -> None:
    # the CNN's trial on this VM with steal time (calibration, 03:20 UTC): 1 thread spread
    # 2.503186 / 1.31647 - 1 = 90 %, 2 threads 23 %; 1 thread is beyond 1.5x the tightest
    # but still competes, and 2 threads' median (1.869286 vs 2.027764, 8 % faster) is
    # within the widest spread: 1 thread. (Left out, it put the CNN on 2 threads, whose
    # invocations then split between 1.7 and 3.3 ms.)
    one = _candidate(1, [1.31647, 2.027764, 2.503186, 1.909081, 2.037592], 0)
    two = _candidate(2, [1.869286, 1.681906, 2.073209, 1.955829, 1.714957], 0)
    assert round(one.spread, 3) == 0.901 and round(two.spread, 3) == 0.233
    chosen, why = choose([one, two], higher_is_better=False)
    assert chosen == 1 and "the fewest threads and the counts" in why and "90%" in why
    # the --repeats 1 trial that chose 2 threads: 1 thread 54 % (one high first run),
    # 2 threads 26 % and slower by median: 1 thread
    assert choose([_candidate(1, [1.926494, 1.37493, 1.309978, 1.267117, 1.250406], 0),
                   _candidate(2, [1.67427, 1.808423, 1.43931, 1.472732, 1.671646], 0)],
                  False)[0] == 1
    # a scattering fewest count does not keep a clearly faster one out: 2 threads' slowest
    # run (0.5) beats 1 thread's fastest (0.9) by 80 % and takes over
    assert choose([_candidate(1, [0.9, 2.5, 0.95], 0), _candidate(2, [0.45, 0.5, 0.47], 0)],
                  False)[0] == 2


def test_threads_auto_takes_a_count_whose_slowest_run_beats_the_choice() -> None:
    # the MLP's trial on this VM: 1 thread steady, 2 threads 13 % apart (not steady) but
    # slower in no run: 1/0.089 = 11.2 runs/ms >= 1.1 x 1/0.125 = 8.8
    one, two = _candidate(1, [0.132, 0.125], 0), _candidate(2, [0.079, 0.089], 0)
    assert one.stable and not two.stable
    chosen, why = choose([one, two], higher_is_better=False)
    assert chosen == 2 and "slowest trial run was 40% faster" in why
    # a bimodal count's slow mode is slower than the steady count: no take-over
    assert choose([_candidate(1, [0.92, 0.93, 0.91], 0),
                   _candidate(2, [0.50, 2.10, 0.51], 0)], False)[0] == 1
    # 9 % is not enough (the margin is 10 %); a count with a failed run never takes over
    assert choose([one, _candidate(2, [0.1145, 0.100], 0)], False)[0] == 1
    assert choose([one, _candidate(2, [0.079, 0.089], 1)], False)[0] == 1
    # higher is better (throughput): the same rule on the values themselves
    assert choose([_candidate(1, [100.0, 101.0], 0), _candidate(2, [150.0, 190.0], 0)],
                  higher_is_better=True)[0] == 2


def test_report_md_shows_processes_stability_and_the_one_interval(job) -> None:
    text = render_markdown(_report(multi_process(job, [0.9, 2.1, 0.9, 2.1, 0.9]),
                                   multi_process(job, STEADY))).decode()
    assert "## Repeats and stability" in text
    assert "5 fresh processes, UNSTABLE" in text and "5 fresh processes, stable" in text
    assert "where a fresh process's headline falls (5 processes)" in text
    assert "| 3 | 1002 | ok |" in text


def test_threads_chosen_by_auto_on_both_sides_may_differ(job) -> None:
    from bench.result.processes import ThreadsTrial

    trial = ThreadsTrial(chosen=1, reason="r", processes_per_candidate=2, duration_s=0.3,
                         candidates=[], method="m")
    base = multi_process(job, STEADY)
    other = base.model_copy(update={"settings": base.settings.model_copy(
        update={"threads": 2})})
    assert compare_reports(_report(base), _report(other)).pairs[0].kind == "incomparable"
    auto = [r.model_copy(update={"threads_trial": trial}) for r in (base, other)]
    assert compare_reports(_report(auto[0]), _report(auto[1])).pairs[0].kind == "unchanged"
