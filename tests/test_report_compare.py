"""compare_reports(): pairing, comparability and host differences, on the golden report."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.errors import UsageError
from bench.result.compare import compare_reports, parse_threshold
from bench.result.contract import load_report

GOLDEN = Path(__file__).parent / "golden" / "report.json"


@pytest.fixture(scope="module")
def report():
    return load_report(GOLDEN)


def _with(report, index: int, **update):
    results = list(report.results)
    results[index] = results[index].model_copy(update=update)
    return report.model_copy(update={"results": results})


def test_a_query_setting_that_differs_is_incomparable(report) -> None:
    settings = report.results[0].settings.model_copy(update={"threads": 4})
    pair = compare_reports(report, _with(report, 0, settings=settings)).pairs[0]
    assert pair.kind == "incomparable" and "settings.threads differs (None vs 4)" in pair.reason


def test_a_run_length_setting_that_differs_is_still_compared(report) -> None:
    settings = report.results[0].settings.model_copy(update={"duration_s": 60.0})
    assert compare_reports(report, _with(report, 0, settings=settings)).pairs[0].kind \
        == "unchanged"


def test_input_shapes_that_differ_are_incomparable(report) -> None:
    pair = compare_reports(report, _with(report, 1, input_shapes={"x": [8, 512]})).pairs[1]
    assert pair.kind == "incomparable" and "input shapes differ" in pair.reason


def test_results_on_one_side_only_are_listed(report) -> None:
    fewer = report.model_copy(update={"results": report.results[1:]})
    outcome = compare_reports(report, fewer)
    assert outcome.pairs[0].reason == "only in the base report"
    assert compare_reports(fewer, report).pairs[-1].reason == "only in the new report"


def test_host_differences_are_shown(report) -> None:
    other = report.model_copy(update={"host": report.host.model_copy(
        update={"cpu_model": "Other CPU", "logical_cores": 8})})
    diffs = compare_reports(report, other).host_differences
    assert ("host.cpu_model", report.host.cpu_model, "Other CPU") in diffs
    assert ("host.logical_cores", "2", "8") in diffs


@pytest.mark.parametrize(("text", "value"), [("5%", 0.05), ("0.05", 0.05), ("12.5%", 0.125),
                                             ("0%", 0.0)])
def test_thresholds(text: str, value: float) -> None:
    assert parse_threshold(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["five", "100%", "-1%", "1.5"])
def test_bad_thresholds(text: str) -> None:
    with pytest.raises(UsageError, match="--threshold"):
        parse_threshold(text)
