"""compare's comparability: a pair that differs only in its execution provider, in one
setting that shapes a query, or in the backend that issued the queries is `incomparable`
with the reason; run-length settings may differ. The backend is recorded in the result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.cli import cli
from bench.result.compare import QUERY_SETTINGS, backend, compare_reports
from bench.result.contract import load_report
from bench.result.figures import LoadgenResult
from bench.result.models import SCHEMA_VERSION, Report, RunResult

GOLDEN = Path(__file__).parent / "golden" / "report.json"
FAST = ["--duration", "0.05", "--min-queries", "5", "--warmup", "1"]


@pytest.fixture(scope="module")
def report() -> Report:
    return load_report(GOLDEN)


def _new(report: Report, **update: object) -> Report:
    """The report with its first result changed as given (``settings`` updates merged)."""
    first = report.results[0]
    settings = update.pop("settings", {})
    changed = first.model_copy(update={
        "settings": first.settings.model_copy(update=settings), **update})
    return report.model_copy(update={"results": [changed, *report.results[1:]]})


def _first_pair(base: Report, new: Report):
    return compare_reports(base, new).pairs[0]


def test_the_same_report_is_compared(report: Report) -> None:
    assert _first_pair(report, report).kind == "unchanged"


def test_another_provider_is_incomparable(report: Report) -> None:
    pair = _first_pair(report, _new(report, provider="CUDAExecutionProvider"))
    assert pair.kind == "incomparable"
    assert pair.reason == (f"provider differs ({report.results[0].provider} vs "
                           "CUDAExecutionProvider)")


# one value a scenario would record for each setting that shapes a query
SHAPING = {"threads": 4, "seed": 7, "values": {"sr": 16000.0}, "samples_per_query": 8,
           "concurrency": 4, "batch": 16, "target_qps": 250.0, "find_max_qps": True,
           "latency_bound_ms": 5.0, "prompt_length": 64, "new_tokens": 16,
           "request_rate": 20.0, "max_concurrency": 2, "prompt_tokens": "uniform:32-128",
           "output_tokens": "64", "slo": "ttft=500ms", "find_max_rate": True}


def test_every_query_setting_is_covered() -> None:
    assert set(SHAPING) == set(QUERY_SETTINGS)


@pytest.mark.parametrize("field", sorted(SHAPING))
def test_a_scenario_setting_that_differs_alone_is_incomparable(report: Report,
                                                               field: str) -> None:
    old = getattr(report.results[0].settings, field)
    pair = _first_pair(report, _new(report, settings={field: SHAPING[field]}))
    assert pair.kind == "incomparable"
    assert pair.reason == f"settings.{field} differs ({old} vs {SHAPING[field]})"


@pytest.mark.parametrize("field", sorted(SHAPING))
def test_the_same_setting_on_both_sides_is_compared(report: Report, field: str) -> None:
    both = _new(report, settings={field: SHAPING[field]})
    assert _first_pair(both, both).kind == "unchanged"


@pytest.mark.parametrize(("field", "value"), [
    ("duration_s", 60.0), ("min_queries", 4096), ("max_duration_s", 900.0), ("warmup", 50),
    ("ci_target", 0.02), ("sustained_s", 30.0)])
def test_a_run_length_setting_may_differ(report: Report, field: str, value: object) -> None:
    assert _first_pair(report, _new(report, settings={field: value})).kind == "unchanged"


def _loadgen(result: RunResult) -> LoadgenResult:
    return LoadgenResult(scenario="SingleStream", valid=True, log_dir="loadgen/x")


def test_another_backend_is_incomparable(report: Report) -> None:
    native = _new(report, settings={"backend": "native"})
    mlperf = _new(report, settings={"backend": "mlperf"})
    pair = _first_pair(native, mlperf)
    assert pair.kind == "incomparable"
    assert pair.reason.startswith("backend differs (native vs mlperf)")


def test_a_report_before_the_backend_field_is_read_by_its_loadgen_figures(
        report: Report) -> None:
    assert report.results[0].settings.backend is None  # the golden report is 1.1.0
    old_mlperf = _new(report, loadgen=_loadgen(report.results[0]))
    assert backend(report.results[0]) == "native" and backend(old_mlperf.results[0]) == "mlperf"
    assert _first_pair(report, old_mlperf).reason.startswith("backend differs")
    assert _first_pair(report, _new(report, settings={"backend": "native"})).kind == "unchanged"


def test_the_schema_minor_was_bumped_for_the_backend_field() -> None:
    major, minor, _ = (int(p) for p in SCHEMA_VERSION.split("."))
    assert (major, minor) >= (1, 2)


def _run(tmp_path: Path, name: str, *args: str) -> Path:
    from click.testing import CliRunner

    out = tmp_path / name
    done = CliRunner().invoke(cli, ["run", "tiny_mlp", *FAST, "--out", str(out), *args])
    assert done.exit_code == 0, done.output
    return out / "report.json"


def test_real_runs_record_their_backend_and_compare_refuses_the_mix(tmp_path: Path) -> None:
    pytest.importorskip("mlperf_loadgen")
    native, mlperf = _run(tmp_path, "native"), _run(tmp_path, "mlperf", "--loadgen", "mlperf")
    assert load_report(native).results[0].settings.backend == "native"
    assert load_report(mlperf).results[0].settings.backend == "mlperf"
    from click.testing import CliRunner

    done = CliRunner().invoke(cli, ["compare", str(native), str(mlperf), "--format", "json"])
    assert done.exit_code == 0, done.output
    pairs = json.loads(done.output)["pairs"]
    assert [p["kind"] for p in pairs] == ["incomparable"]
    assert pairs[0]["reason"].startswith("backend differs (native vs mlperf)")
