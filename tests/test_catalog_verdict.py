"""Criteria and verdicts: pure functions, pinned to hand-worked margins; certify's CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bench.errors import SpecError, UsageError
from bench.lab.catalog.criteria import load_criteria
from bench.lab.catalog.metrics import METRICS
from bench.lab.catalog.verdict import best_tier, evaluate, judge
from bench.result.models import (
    ColdStart,
    DeviceInfo,
    Harness,
    HostInfo,
    LatencyMs,
    Memory,
    Report,
    ResultSettings,
    RunResult,
)
from bench.spec.criteria import CriteriaSpec, Criterion

HOST = HostInfo(cpu_model="cpu", logical_cores=2, physical_cores=1, memory_bytes=2**30,
                os="Linux", kernel="6", machine="x86_64", python="3.11", onnxruntime="1.17",
                providers=["CPUExecutionProvider"])


def result(model: str, p90: float, rss: int = 2**20, queries: int = 200,
           valid: bool = True) -> RunResult:
    lat = LatencyMs(min=1, mean=p90 / 2, p50=p90 / 2, p90=p90, p95=p90, p99=p90, max=p90, std=0)
    return RunResult(model=model, model_sha256="0" * 64, precision="fp32",
                     scenario="single-stream", provider="CPUExecutionProvider", input_shapes={},
                     settings=ResultSettings(duration_s=1, min_queries=1, max_duration_s=2,
                                             warmup=0, threads=None, seed=0),
                     status="ok", valid=valid, latency_ms=lat, throughput_per_s=1000 / p90,
                     queries=queries, invalid_reasons=[] if valid else ["too few"],
                     cold_start=ColdStart(session_create_ms=1, first_inference_ms=1),
                     memory=Memory(peak_rss_bytes=rss, peak_rss_method="VmHWM",
                                   model_load_rss_delta_bytes=0))


def report(*results: RunResult) -> Report:
    return Report(run_id="r", created_at="2024-01-01T00:00:00+00:00",
                  harness=Harness(version="0"), host=HOST,
                  device=DeviceInfo(name="d", category="pc", profile="built-in"),
                  results=list(results))


def test_margins_are_hand_worked() -> None:
    rep = report(result("a", 4.0), result("a", 4.5))
    line = judge(rep, Criterion(model="a", metric="latency_p90", op="<=", threshold=5))
    assert (line.passed, line.value, line.margin, line.margin_pct) == (True, 4.5, 0.5, 10.0)
    assert line.detail == "worst of 2 results"
    slow = judge(rep, Criterion(model="a", metric="latency_p90", op="<=", threshold=4000,
                                unit="us"))
    assert slow.value == pytest.approx(4500.0) and slow.margin == pytest.approx(-500.0)
    assert not slow.passed
    tput = judge(rep, Criterion(model="a", metric="throughput", op=">=", threshold=200))
    assert tput.value == pytest.approx(1000 / 4.5) and tput.passed
    assert tput.margin == pytest.approx(1000 / 4.5 - 200)
    rss = judge(rep, Criterion(metric="peak_rss", op="<=", threshold=2, unit="MiB"))
    assert (rss.value, rss.margin, rss.passed) == (1.0, 1.0, True)
    missing = judge(rep, Criterion(model="b", metric="latency_p90", op="<=", threshold=5))
    assert not missing.passed and missing.detail == "no matching result in the report"


def test_validity_rules_and_tiers() -> None:
    spec = CriteriaSpec.model_validate({
        "category": "pc", "validity": {"min_queries": 100},
        "tiers": [{"name": "low", "criteria": [
                      {"model": "a", "metric": "latency_p90", "op": "<=", "threshold": 10}]},
                  {"name": "high", "criteria": [
                      {"model": "a", "metric": "latency_p90", "op": "<=", "threshold": 2}]}]})
    assert best_tier(report(result("a", 5)), spec) == "low"
    assert best_tier(report(result("a", 1)), spec) == "high"
    assert best_tier(report(result("a", 1, queries=50)), spec) is None
    failed = evaluate(report(result("a", 1, valid=False)), spec, "high")
    assert not failed.passed
    assert [ln.label for ln in failed.lines if not ln.passed] == ["validity: every result valid"]
    with pytest.raises(UsageError, match="--tier 'gold'"):
        evaluate(report(result("a", 1)), spec, "gold")


def write_criteria(tmp_path: Path, metric: str, unit: str | None = None) -> Path:
    path = tmp_path / "crit.yaml"
    criterion = {"metric": metric, "op": "<=", "threshold": 3} | ({"unit": unit} if unit else {})
    path.write_text(yaml.safe_dump({"category": "pc", "tiers": [
        {"name": "t", "criteria": [criterion]}]}))
    return path


def test_unknown_or_absent_metrics_and_wrong_units_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"unknown metric 'latency_p9' \(did you mean"):
        load_criteria(write_criteria(tmp_path, "latency_p9"), "pc")
    absent = [name for name, m in METRICS.items() if not m.available()]
    if absent:
        with pytest.raises(SpecError, match="not recorded in reports"):
            load_criteria(write_criteria(tmp_path, absent[0]), "pc")
    with pytest.raises(SpecError, match="'GiB' does not measure latency_p90"):
        load_criteria(write_criteria(tmp_path, "latency_p90", "GiB"), "pc")
    with pytest.raises(UsageError, match="category 'pc'.*'phone'"):
        load_criteria(write_criteria(tmp_path, "latency_p90"), "phone")


@pytest.mark.parametrize("category", ["phone", "pc", "wearable", "all-in-one"])
def test_the_builtin_criteria_load(category: str) -> None:
    spec, path = load_criteria(None, category)
    assert path.parent.name == "criteria" and path.stem == category
    assert spec.category == category and spec.tiers


def test_builtin_criteria_name_suite_models() -> None:
    from bench import zoo

    names = {s.name for s in zoo.list_models()}
    for category in ("phone", "pc", "wearable", "all-in-one"):
        spec, _ = load_criteria(None, category)
        named = {c.model for t in spec.tiers for c in t.criteria if c.model}
        assert named <= names, (category, named - names)


def test_cli_certify(tmp_path: Path, cli_runner) -> None:
    from bench.cli import cli
    from bench.report import write_report
    good = write_report(report(result("tiny_cnn", 3), result("tiny_mlp", 1),
                               result("tiny_text", 1)), tmp_path / "good")[0]
    ok = cli_runner.invoke(cli, ["certify", str(good)])
    assert ok.exit_code == 0, ok.output
    cert = json.loads((tmp_path / "good" / "certificate.json").read_text())
    assert cert["passed"] is True and cert["tier"] == "smoke"
    standard = cli_runner.invoke(cli, ["certify", str(good), "--tier", "standard",
                                       "--out", str(tmp_path / "std.json")])
    assert standard.exit_code == 0, standard.output  # 3 ms p90 <= 5; 333/s >= 200
    slow = write_report(report(result("tiny_cnn", 60)), tmp_path / "slow")[0]
    failed = cli_runner.invoke(cli, ["certify", str(slow)])
    assert failed.exit_code == 1 and "FAIL" in failed.output
    assert json.loads((tmp_path / "slow" / "certificate.json").read_text())["passed"] is False
    bad = cli_runner.invoke(cli, ["certify", str(slow), "--criteria",
                                  str(write_criteria(tmp_path, "no_such_metric")),
                                  "--out", str(tmp_path / "never.json")])
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1
    assert not (tmp_path / "never.json").exists()


def test_emulated_runs_and_provider_fallback_are_refused() -> None:
    from bench.result.models import Emulation, Execution

    spec = CriteriaSpec.model_validate({"category": "pc", "tiers": [{"name": "t", "criteria": [
        {"model": "a", "metric": "latency_p90", "op": "<=", "threshold": 10}]}]})
    assert evaluate(report(result("a", 1)), spec).passed
    emulated = report(result("a", 1)).model_copy(update={"emulation": Emulation(cores=[0])})
    verdict = evaluate(emulated, spec)
    assert [ln.label for ln in verdict.lines if not ln.passed] == ["validity: no emulated run"]
    fell = result("a", 1).model_copy(update={"execution": Execution(
        requested=["CUDAExecutionProvider", "CPUExecutionProvider"],
        used=["CPUExecutionProvider"], fallback_policy="allow",
        fallbacks=["CUDAExecutionProvider: not available; its work ran on the CPU"])})
    verdict = evaluate(report(fell), spec)
    assert [ln.label for ln in verdict.lines if not ln.passed] == [
        "validity: no provider fallback"]


def test_every_metric_maps_to_a_report_field() -> None:
    assert [name for name, m in METRICS.items() if not m.available()] == []
