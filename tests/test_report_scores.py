"""Scores: K x geometric mean of reference p90 / measured p90; partial when a workload is
missing."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench.cli import cli
from bench.result.contract import load_report
from bench.result.scores import load_reference, score_report

GOLDEN = Path(__file__).parent / "golden" / "report.json"


@pytest.fixture(scope="module")
def golden():
    return load_report(GOLDEN)


def _scaled(report, factors: dict[str, float], **update):
    results = []
    for r in report.results:
        if r.model in factors:
            lat = r.latency_ms.model_copy(update={"p90": r.latency_ms.p90 * factors[r.model]})
            r = r.model_copy(update={"latency_ms": lat, **update})
        results.append(r)
    return report.model_copy(update={"results": results})


def test_the_reference_scores_1000_and_is_partial_only_for_what_it_lacks(golden) -> None:
    [s] = score_report(golden, golden)
    assert s.score == pytest.approx(1000.0)
    assert s.workloads == ("tiny_cnn", "tiny_mlp")  # tiny_text is invalid in the reference
    assert not s.partial


def test_twice_as_fast_on_one_of_two_workloads_is_the_geometric_mean(golden) -> None:
    [s] = score_report(_scaled(golden, {"tiny_cnn": 0.5}), golden)
    assert s.score == pytest.approx(1000 * math.sqrt(2.0))


def test_a_missing_or_different_workload_makes_the_score_partial(golden) -> None:
    fewer = golden.model_copy(update={"results": golden.results[1:]})
    [s] = score_report(fewer, golden)
    assert s.partial and s.missing == ("tiny_cnn (not measured)",)
    assert s.score == pytest.approx(1000.0)
    [s] = score_report(_scaled(golden, {"tiny_mlp": 1.0}, model_sha256="0" * 64), golden)
    assert s.missing == ("tiny_mlp (different model bytes)",)


def test_the_committed_reference_loads_and_scores_itself() -> None:
    reference = load_reference()
    assert [s.score for s in score_report(reference, reference)] == [pytest.approx(1000.0)]


def test_score_command(cli_runner) -> None:
    done = cli_runner.invoke(cli, ["score", str(GOLDEN)])
    assert done.exit_code == 0, done.output
    assert "PARTIAL, missing: tiny_text (invalid)" in done.output


def test_a_category_is_scored_on_its_own_models_only(golden) -> None:
    categories = {"tiny_cnn": ["phone"], "tiny_mlp": ["pc", "phone"]}
    assert golden.device.category == "pc"
    [s] = score_report(golden, golden, categories)
    assert s.workloads == ("tiny_mlp",) and not s.partial  # tiny_cnn is a phone model here
