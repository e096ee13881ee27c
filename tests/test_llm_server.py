"""``--scenario llm-server``: bad input is one line and exit 2; the load (lengths, SLO,
Poisson arrivals) is what the seed and flags say; per-request latencies and goodput are
pinned to hand-worked numbers; short real runs on llm_decoder_tiny produce every figure
and the SLO verdict flips with an impossible SLO; the profiles carry the LLM workloads."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from itertools import islice
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from click.testing import CliRunner

import bench
from bench.cli import cli
from bench.lab.batch import dry_run
from bench.lab.catalog.criteria import load_criteria
from bench.lab.catalog.metrics import METRICS
from bench.measure.plan import plan
from bench.measure.scenarios.llm_figures import lines
from bench.measure.scenarios.llm_load import (
    LengthSpec,
    arrivals,
    parse_length,
    parse_slo,
    requests,
)
from bench.result.contract import load_report
from bench.spec import RunSettings
from bench.spec.profiles import load_profile
from bench.stats.serving import (
    RequestTimes,
    distribution_ms,
    good,
    kept_up,
    latencies,
    meets_slo,
    queue_grew,
)

SCHEMA = Path(__file__).parent.parent / "reports" / "schema" / "report.schema.json"
SERVE = ["run", "llm_decoder_tiny", "--scenario", "llm-server"]


# --- bad input: one clear line, exit 2 ----------------------------------------------------

@pytest.mark.parametrize(("args", "says"), [
    (["run", "tiny_mlp", "--scenario", "llm-server"], "'tiny_mlp' is not a decoder"),
    ([*SERVE, "--request-rate", "0"], "--request-rate 0.0: must be a positive"),
    ([*SERVE, "--request-rate", "-3"], "--request-rate -3.0: must be a positive"),
    ([*SERVE, "--max-concurrency", "0"], "--max-concurrency 0: "),
    ([*SERVE, "--slo", "ttft=fast"], "--slo 'ttft=fast': 'ttft=fast' is not KEY=TIME"),
    ([*SERVE, "--slo", "ttft=2000ms,ttft=1s"], "ttft given twice"),
    ([*SERVE, "--slo", "latency=1s"], "'latency=1s' is not KEY=TIME"),
    ([*SERVE, "--slo", "tpot=0ms"], "tpot must be a positive time"),
    ([*SERVE, "--prompt-tokens", "uniform:9-3"], "LOW must not exceed HIGH"),
    ([*SERVE, "--output-tokens", "1"], "at least 2 tokens (TPOT needs a second token)"),
    ([*SERVE, "--find-max-rate", "--request-rate", "5"], "leave out --request-rate"),
    (["run", "llm_decoder_tiny", "--request-rate", "5"],
     "--request-rate only applies to --scenario llm-server (not single-stream)"),
])
def test_bad_input_is_one_line_and_exit_2(cli_runner: CliRunner, tmp_path: Path,
                                          args: list[str], says: str) -> None:
    result = cli_runner.invoke(cli, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_a_model_that_is_not_a_decoder_as_a_real_subprocess(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "bench", *SERVE[:1], "tiny_cnn",
                           *SERVE[2:], "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: model 'tiny_cnn' is not a decoder: --scenario llm-server needs inputs "
        "input_ids and past_key_values.{i}.key/.value (the llm_decoder convention, e.g. "
        "llm_decoder_tiny)"]


# --- the load -----------------------------------------------------------------------------

def test_length_specs_and_the_slo_parse_as_documented() -> None:
    assert parse_length("--prompt-tokens", "64") == LengthSpec(64, 64)
    assert parse_length("--prompt-tokens", "uniform:32-128") == LengthSpec(32, 128)
    assert LengthSpec(32, 128).mean == 80 and LengthSpec(32, 128).text() == "uniform:32-128"
    slo = parse_slo(None)
    assert (slo.ttft_ms, slo.tpot_ms) == (2000.0, 100.0)  # MLPerf llama3.1-8b server
    slo = parse_slo("ttft=1.5s,tpot=250us")
    assert (slo.ttft_ms, slo.tpot_ms) == (1500.0, 0.25)
    assert parse_slo("tpot=50ms").ttft_ms == 2000.0  # a key left out keeps its default


def test_request_lengths_are_seeded_and_within_the_spec() -> None:
    prompt, output = LengthSpec(32, 128), LengthSpec(16, 16)
    first = list(islice(requests(prompt, output, seed=3), 5000))  # across a chunk boundary
    again = list(islice(requests(prompt, output, seed=3), 5000))
    other = list(islice(requests(prompt, output, seed=4), 5000))
    assert first == again and first != other
    lengths = np.array([r.prompt_tokens for r in first])
    assert lengths.min() == 32 and lengths.max() == 128  # both ends are drawn
    assert {r.output_tokens for r in first} == {16}
    # the mean of 5000 uniform integers on 32..128: sd 97/sqrt(12) per draw
    assert abs(lengths.mean() - 80) < 4 * (97 / math.sqrt(12)) / math.sqrt(5000)
    assert [r.index for r in first[:3]] == [0, 1, 2]


RATE, COUNT = 50.0, 20_000


def _gaps(rate: float, seed: int) -> np.ndarray:
    times = np.array(list(islice(arrivals(rate, seed, 1_000), COUNT)), dtype=np.float64)
    assert times[0] > 1_000 and np.all(np.diff(times) > 0)
    return np.diff(np.concatenate([[1_000.0], times])) / 1e9


def test_poisson_arrivals_have_the_right_mean_rate() -> None:
    """20,000 arrivals (across chunk boundaries) at 50/s, seed 11: the mean gap is 1/rate
    within 4 standard errors (sd of an exponential gap = its mean, so SE = mean/sqrt(n)),
    and the gaps are exponential: their coefficient of variation is 1 within 4 SE
    (SE of an exponential sample's sd ~ sd * sqrt(2/n))."""
    gaps = _gaps(RATE, seed=11)
    mean = 1 / RATE
    se = mean / math.sqrt(COUNT)
    assert abs(gaps.mean() - mean) < 4 * se
    assert abs(gaps.std(ddof=1) / gaps.mean() - 1) < 4 * math.sqrt(2 / COUNT)
    # the tolerance tells rates 5 % apart: 52.5/s would be rejected at the same seed
    assert abs(_gaps(RATE * 1.05, seed=11).mean() - mean) > 4 * se
    # arrivals in [0, 200 s) count 50 * 200 = 10,000 within 4 sd of a Poisson count
    times = np.cumsum(gaps)
    assert abs(np.count_nonzero(times < 200.0) - 10_000) < 4 * math.sqrt(10_000)


# --- per-request latencies, hand-worked ---------------------------------------------------

MS = 1_000_000


def test_latencies_goodput_and_the_verdict_by_hand() -> None:
    reqs = [RequestTimes(0, (10 * MS, 12 * MS, 14 * MS), 8),        # ttft 10, tpot 2
            RequestTimes(5 * MS, (30 * MS, 40 * MS), 8),            # ttft 25, tpot 10
            RequestTimes(20 * MS, (21 * MS, 24 * MS, 25 * MS, 29 * MS), 8)]  # 1, 8/3
    lat = latencies(reqs)
    assert lat.ttft_ns.tolist() == [10 * MS, 25 * MS, 1 * MS]
    assert lat.e2e_ns.tolist() == [14 * MS, 35 * MS, 9 * MS]
    assert lat.tpot_ns.tolist() == [2 * MS, 10 * MS, 8 * MS // 3]
    assert sorted(lat.itl_ns.tolist()) == sorted([2 * MS, 2 * MS, 10 * MS, 3 * MS, MS, 4 * MS])
    d = distribution_ms(lat.ttft_ns)
    assert (d.p50, d.p99, d.max, d.mean) == (10.0, 25.0, 25.0, 12.0)
    assert good(lat, slo_ttft_ms=20, slo_tpot_ms=5) == 2  # the 2nd misses its TTFT
    assert good(lat, slo_ttft_ms=20, slo_tpot_ms=2.5) == 1
    assert meets_slo(lat, 25, 10) and not meets_slo(lat, 24.9, 10)
    assert not meets_slo(latencies([]), 1e9, 1e9)


def test_kept_up_tells_a_growing_queue() -> None:
    # arrivals every 10 ms for 1 s; served in 5 ms: completions follow arrivals
    steady = [RequestTimes(i * 10 * MS, (i * 10 * MS + 5 * MS,), 1) for i in range(100)]
    assert kept_up(steady, 0.9)
    # served one per 20 ms: at the last arrival only about half of the second half is done
    backlog = [RequestTimes(i * 10 * MS, ((i + 1) * 20 * MS,), 1) for i in range(100)]
    assert not kept_up(backlog, 0.9)
    assert not kept_up([], 0.9)


def test_queue_grew_tells_waits_that_grow_from_waits_that_fluctuate() -> None:
    # served in 5 ms with a wait alternating 1 / 3 ms: waits fluctuate, never grow
    steady = [RequestTimes(i * 10 * MS, (i * 10 * MS + (1 + 2 * (i % 2)) * MS,
                                         i * 10 * MS + 5 * MS), 1) for i in range(90)]
    assert not queue_grew(steady)
    # each request waits 0.5 ms longer than the one before: the last third's median wait
    # is 38.25 ms, over 2 x the first third's 8.25 ms + its 12.25 ms end to end
    growing = [RequestTimes(i * 10 * MS, (i * 10 * MS + i * MS // 2 + MS,
                                          i * 10 * MS + i * MS // 2 + 5 * MS), 1)
               for i in range(90)]
    assert queue_grew(growing)
    assert not queue_grew(growing[:2])


# --- real runs on llm_decoder_tiny -------------------------------------------------------

def test_a_closed_loop_run_reports_every_figure(cli_runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = cli_runner.invoke(cli, [
        *SERVE, "--max-concurrency", "2", "--prompt-tokens", "uniform:8-24",
        "--output-tokens", "4", "--slo", "ttft=60s,tpot=60s", "--duration", "0.2",
        "--min-queries", "30", "--warmup", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "llm_decoder_tiny llm-server:" in result.output
    assert "goodput" in result.output and "SLO at p99 met" in result.output
    document = json.loads((out / "report.json").read_text())
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    r = load_report(out / "report.json").results[0]
    f = r.llm_server
    assert f is not None and r.token_generation is None
    assert f.mode == "closed" and f.target_rate is None and f.concurrency == 2
    assert f.requests == r.queries >= 662 and len(r.samples_ns) == f.requests
    assert f.output_tokens_mean == 4 and 8 <= f.prompt_tokens_mean <= 24
    assert len(f.ttft_samples_ns) == len(f.tpot_samples_ns) == f.requests
    assert 0 < f.ttft_ms.p50 <= f.e2e_ms.p50 and f.tpot_ms.p50 > 0 and f.itl_ms.p50 > 0
    assert f.output_tokens_per_s == pytest.approx(4 * f.achieved_rate)
    assert f.meets_slo and f.good_requests == f.requests
    assert f.goodput == pytest.approx(f.achieved_rate)
    assert r.headline == "output tokens/s" and r.settings.max_concurrency == 2
    assert r.settings.slo == "ttft=60s,tpot=60s"
    assert r.valid, r.invalid_reasons  # at least 662 requests: enough for a p99 claim
    markdown = (out / "report.md").read_text()
    assert "### llm_decoder_tiny llm-server" in markdown and "TTFT p50" in markdown


def test_an_impossible_slo_flips_the_verdict_of_a_poisson_run(tmp_path: Path) -> None:
    settings = RunSettings(scenario="llm-server", request_rate=500.0, max_concurrency=2,
                           prompt_tokens="8", output_tokens="3", slo="ttft=1us,tpot=1us",
                           duration_s=0.2, min_queries=20, max_duration_s=10.0, warmup=1)
    r = bench.run(["llm_decoder_tiny"], settings=settings, artifacts=tmp_path).results[0]
    f = r.llm_server
    assert r.status == "ok" and f is not None
    assert f.mode == "poisson" and f.target_rate == 500.0 and f.offered_rate is not None
    assert f.requests >= 662 and f.output_tokens_mean == 3
    assert not f.meets_slo and f.good_requests == 0 and f.goodput == 0.0
    assert not r.valid
    assert any(reason.startswith("llm-server misses the SLO at p99") for reason in
               r.invalid_reasons)
    # the settings other scenarios use are not recorded; llm-server's are
    assert r.settings.request_rate == 500.0 and r.settings.prompt_length is None
    assert "request_rate" in r.settings.model_dump(mode="json")


def test_find_max_rate_bisects_down_when_no_rate_meets_the_slo(tmp_path: Path) -> None:
    settings = RunSettings(scenario="llm-server", find_max_rate=True, max_concurrency=1,
                           prompt_tokens="8", output_tokens="2", slo="ttft=1us",
                           duration_s=0.05, min_queries=5, max_duration_s=1.0, warmup=2,
                           threads=1)
    r = bench.run(["llm_decoder_tiny"], settings=settings, artifacts=tmp_path).results[0]
    f = r.llm_server
    assert f is not None and len(f.search) == 7
    rates = [t.target_rate for t in f.search]
    assert not any(t.valid for t in f.search)
    # every trial over: bisect between 0 and the last rate, so each halves the one before
    assert rates[1:] == pytest.approx([rate / 2 for rate in rates[:-1]])
    assert f.target_rate == pytest.approx(min(rates))  # the full run uses the lowest tried
    assert "rate search: " in "\n".join(lines(f))


# --- profiles, criteria, plans --------------------------------------------------------------

def test_the_profiles_carry_llm_workloads_and_the_1b_never_quick(cli_runner: CliRunner) -> None:
    devices = Path(__file__).parent.parent / "devices"
    checked = cli_runner.invoke(cli, ["devices", "validate", str(devices / "all-in-one.yaml"),
                                      str(devices / "ai-pc.yaml")])
    assert checked.exit_code == 0 and "2 profile(s) valid" in checked.output
    aio, _ = load_profile("all-in-one")
    pc, _ = load_profile("ai-pc")
    quick = {(w.model, w.scenario) for w in aio.quick_workloads()}
    assert {("llm_decoder_tiny", "token-generation"), ("llm_decoder_tiny", "llm-server")} <= quick
    assert ("llm_decoder_tiny", "token-generation") in {
        (w.model, w.scenario) for w in pc.quick_workloads()}
    for profile in (aio, pc):
        assert ("llm_decoder_1b", "token-generation") in {
            (w.model, w.scenario) for w in profile.workloads}
        assert "llm_decoder_1b" not in {w.model for w in profile.quick_workloads()}
    jobs = plan([], aio, RunSettings.quick(), quick=True)
    assert [j.model.name for j in jobs if j.settings.scenario == "llm-server"] == [
        "llm_decoder_tiny"]


@pytest.mark.parametrize(("category", "metrics"), [
    ("all-in-one", {"goodput", "ttft_p99", "output_tokens_per_s", "decode_tokens_per_s",
                    "time_to_first_token"}),
    ("pc", {"decode_tokens_per_s", "time_to_first_token"}),
])
def test_the_criteria_hold_llm_thresholds(category: str, metrics: set[str]) -> None:
    spec, _ = load_criteria(None, category)
    used = {c.metric for t in spec.tiers for c in t.criteria}
    assert metrics <= used
    assert all(METRICS[m].available() for m in used)


def test_a_dry_run_plan_includes_the_llm_workloads(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("name: llm\nprofiles: [all-in-one, ai-pc]\nquick: true\n")
    keys = [r.key for r in dry_run(path).runs]
    assert "all-in-one/llm_decoder_tiny/fp32/llm-server/1" in keys
    assert "ai-pc/llm_decoder_tiny/fp32/token-generation/1" in keys
    assert not any("llm_decoder_1b" in k for k in keys)
    full = tmp_path / "full.yaml"
    full.write_text("name: full\nprofiles: [ai-pc]\n")
    assert "ai-pc/llm_decoder_1b/fp32/token-generation/1" in [r.key for r in
                                                               dry_run(full).runs]


def test_a_generator_that_fails_fails_the_run_with_onnxruntime_s_error(tmp_path: Path) -> None:
    """A prompt past llm_decoder_tiny's 512 positions: onnxruntime refuses the rotary
    table's Gather inside a generator thread (no warm-up), and the run is a failed result
    with that error, not a short run that looks fine."""
    settings = RunSettings(scenario="llm-server", prompt_tokens="600", output_tokens="2",
                           duration_s=0.1, min_queries=5, max_duration_s=5.0, warmup=0)
    r = bench.run(["llm_decoder_tiny"], settings=settings, artifacts=tmp_path).results[0]
    assert r.status == "failed" and r.llm_server is None
    assert "out of data bounds" in (r.error or "")
