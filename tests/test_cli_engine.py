"""``edgebench run`` with the engine's options: bad input is one line and exit 2; each
scenario's figures land in the report; profile traces and LoadGen logs sit beside it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.cli import cli
from bench.result.contract import load_report

FAST = ["--duration", "0.05", "--min-queries", "5", "--warmup", "1"]

BAD = [
    (["tiny_mlp", "--duration", "0"], "--duration"),
    (["tiny_mlp", "--duration", "-1"], "--duration"),
    (["tiny_mlp", "--max-duration", "0"], "--max-duration"),
    (["tiny_mlp", "--sustained", "-5"], "--sustained"),
    (["tiny_mlp", "--scenario", "server", "--target-qps", "0"], "--target-qps"),
    (["tiny_mlp", "--latency-bound-ms", "10"], "--latency-bound-ms"),
    (["tiny_mlp", "--scenario", "token-generation"], "not a decoder"),
    (["tiny_mlp", "--scenario", "server"], "--target-qps"),
    (["tiny_mlp", "--scenario", "server", "--find-max-qps"], "--latency-bound-ms"),
    (["tiny_mlp", "--concurrency", "many"], "--concurrency"),
    (["tiny_mlp", "--concurrency", "auto"], "offline"),
    (["tiny_mlp", "--ci-target", "0"], "--ci-target"),
    (["tiny_cnn", "--scenario", "offline", "--batch", "0"], "--batch"),
    (["tiny_mlp", "--loadgen", "mlperf", "--scenario", "token-generation"], "token-generation"),
    (["tiny_mlp", "--check-outputs", "--reference", "missing.onnx"], "--reference"),
    (["tiny_mlp", "--reference", "x.onnx"], "--check-outputs"),
]


@pytest.mark.parametrize(("args", "needle"), BAD)
def test_bad_input_is_one_line_exit_2(args: list[str], needle: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["run", *args, "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0]
    assert not list(tmp_path.iterdir())  # nothing written


def test_bad_input_as_a_real_subprocess(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bench", "run", "tiny_mlp", "--scenario",
                           "server", "--target-qps", "0"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "--target-qps" in done.stderr
    assert "Traceback" not in done.stderr


def _run(tmp_path: Path, *args: str) -> dict:  # type: ignore[type-arg]
    # FAST first: a test's own flags come later and win
    result = CliRunner().invoke(cli, ["run", *FAST, *args, "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["results"][0]


def test_single_stream_with_early_stopping_and_profile(tmp_path: Path) -> None:
    r = _run(tmp_path, "tiny_cnn", "--ci-target", "0.5", "--max-duration", "5",
             "--profile-ops")
    es = r["early_stopping"]
    assert r["headline"] == "p90 latency" and es["percentile"] == 90.0
    # a run that stopped early reached its target; one that hit --max-duration may still
    # reach it over its last samples (the limit is checked before the interval)
    assert es["reached"] or not r["ended_by"].startswith("early stopping")
    assert es["ci_low_ms"] <= es["value_ms"] <= es["ci_high_ms"]
    assert r["settings"]["ci_target"] == 0.5
    prof = r["op_profile"]
    assert (tmp_path / prof["trace_file"]).is_file()  # beside the report, for Perfetto
    assert prof["top"][0]["op_type"] == "Conv" and prof["runs"] == 20
    assert r["roofline"]["flops_per_query"] == 82_577_920
    assert r["cpu"]["process_mean_pct"] >= 0
    report = load_report(tmp_path / "report.json")
    assert report.results[0].op_profile is not None
    md = (tmp_path / "report.md").read_text()
    assert "Early stopping" in md and "Top operators" in md


def test_multi_stream_report(tmp_path: Path) -> None:
    r = _run(tmp_path, "tiny_mlp", "--scenario", "multi-stream", "--samples-per-query", "3",
             "--duration", "0.00001")  # min_queries (5) ends it: too few for a p99 claim
    assert r["multi_stream"] == {"samples_per_query": 3, "samples_run_as": "one batch of N"}
    assert r["input_shapes"]["x"] == [3, 512]
    assert r["headline"] == "p99 query latency"
    assert r["queries"] == 5
    assert any("p99 claim" in reason for reason in r["invalid_reasons"])


def test_offline_report(tmp_path: Path) -> None:
    r = _run(tmp_path, "tiny_mlp", "--scenario", "offline", "--batch", "4",
             "--concurrency", "2")
    assert r["offline"]["batch"] == 4 and r["offline"]["concurrency"] == 2
    assert r["input_shapes"]["x"] == [4, 512]
    assert r["throughput_per_s"] == pytest.approx(r["queries"] * 4 / r["duration_s"])


def test_server_report_invalid_over_the_bound(tmp_path: Path) -> None:
    r = _run(tmp_path, "tiny_mlp", "--scenario", "server", "--target-qps", "200",
             "--latency-bound-ms", "0.000001")
    assert r["server"]["target_qps"] == 200 and r["valid"] is False
    assert any("exceeds the latency bound" in reason for reason in r["invalid_reasons"])


def test_token_generation_report(tmp_path: Path) -> None:
    r = _run(tmp_path, "llm_decoder_tiny", "--scenario", "token-generation",
             "--new-tokens", "4", "--prompt-length", "8")
    tg = r["token_generation"]
    assert tg["prompt_length"] == 8 and tg["new_tokens"] == 4
    assert tg["generations"] * 4 == r["queries"]
    assert tg["time_to_first_token_ms"] > 0 and tg["decode_tokens_per_s"] > 0


def test_sustained_windows(tmp_path: Path) -> None:
    r = _run(tmp_path, "tiny_mlp", "--sustained", "0.5")
    s = r["sustained"]
    assert s["window_s"] == 0.05 and 9 <= len(s["throughput_per_s"]) <= 10
    assert 0 < s["stability"] <= 1 and r["duration_s"] >= 0.5


def test_loadgen_backend(tmp_path: Path) -> None:
    pytest.importorskip("mlperf_loadgen")
    r = _run(tmp_path, "tiny_mlp", "--loadgen", "mlperf")
    lg = r["loadgen"]
    assert lg["scenario"] == "SingleStream" and "Result is" in lg["summary"]
    assert (Path(lg["log_dir"]) / "mlperf_log_summary.txt").is_file()
    assert Path(lg["log_dir"]).is_relative_to(tmp_path)
