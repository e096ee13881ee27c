"""LLM figures against hand-worked numbers (pp/tg mean ± sd, nearest-rank quantiles, TTFT,
TPOT, ITL, the 2nd+ token rate, KV bytes), the llama-bench grid and table, the flags that
set them, and the int4 decoders (MatMulNBits, block 32) within their tolerance."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from bench.cli import main
from bench.measure.conformance import TOLERANCES, compare_output
from bench.measure.llm_figures import Timings, grid, kv_cache_bytes, run_tests, split, summarise
from bench.report.llm_table import render_llm_table
from bench.result.llm import Quantiles, Rate, tpot_ns
from bench.spec import RunSettings
from bench.zoo import resolve
from bench.zoo.inputs import generate_inputs, plan_inputs

MS = 1_000_000


def test_rate_is_mean_and_sample_std() -> None:
    r = Rate.of([10.0, 20.0, 30.0, 40.0])
    assert r.mean == 25.0 and r.n == 4
    assert r.std == pytest.approx(12.909944487358056, rel=1e-15)  # sqrt(500 / 3)
    assert Rate.of([7.0]).std == 0.0 and Rate.of([]).n == 0


def test_quantiles_are_nearest_rank() -> None:
    q = Quantiles.of_ns([i * MS for i in range(10, 0, -1)])  # 1..10 ms, unsorted
    assert (q.p50, q.p90, q.p99, q.mean) == (5.0, 9.0, 10.0, 5.5)


def test_genai_timings() -> None:
    """[prompt 2 ms, first sampling 1 ms, 3 ms, 5 ms]: TTFT 3, ITL 3 and 5, TPOT
    (11 - 3) / (3 - 1) = 4, tg 2 tokens / 8 ms = 250 t/s, pp 8 / 2 ms = 4000 t/s."""
    t = Timings("onnxruntime-genai", "onnxruntime-genai", 8, 3,
                [[2 * MS, 1 * MS, 3 * MS, 5 * MS]], True, 50 * MS, 1024)
    assert split(t) == ([3 * MS], [3 * MS, 5 * MS], [11 * MS])
    m = summarise(t)
    assert m.time_to_first_token_ms.p50 == 3.0
    assert m.time_per_output_token_ms.p50 == 4.0
    assert m.inter_token_latency_ms.p99 == 5.0
    assert m.decode_tokens_per_s.mean == pytest.approx(250.0)
    assert m.prompt_tokens_per_s.mean == pytest.approx(4000.0)
    assert m.second_plus_token_rate == pytest.approx(250.0)  # 1000 / 4 ms
    assert m.model_load_ms == 50.0 and m.sampling_included


def test_session_timings_count_every_step_after_the_prompt_run() -> None:
    t = Timings("onnxruntime", "optimum", 4, 2, [[2 * MS, 3 * MS, 5 * MS]], False, 0, 0)
    m = summarise(t)
    assert m.time_to_first_token_ms.p50 == 2.0
    assert m.time_per_output_token_ms.p50 == 4.0  # (10 - 2) / (3 - 1)
    assert m.decode_tokens_per_s.mean == pytest.approx(250.0)
    assert tpot_ns([1], [5], 1) == []  # one output token has no TPOT


def test_the_grid_runs_each_test_repetitions_times() -> None:
    calls: list[tuple] = []

    def prefill(p: int) -> int:
        calls.append(("pp", p))
        return p * 1000  # 1 us a token: 1e6 t/s

    def decode(depth: int, n: int) -> int:
        calls.append(("tg", depth, n))
        return n * MS  # 1 ms a token: 1000 t/s

    tests = run_tests((128, 512), (128,), 64, 3, prefill, decode)
    assert [t.name for t in tests] == ["pp128", "pp512", "tg128@d64"]
    assert [t.tokens_per_s.mean for t in tests] == pytest.approx([1e6, 1e6, 1000.0])
    assert len(calls) == 9 and tests[2].tokens_per_s.std == 0.0


def test_grid_axes() -> None:
    s = RunSettings(scenario="token-generation", sweep_prompt=(128, 512), new_tokens=128)
    assert grid(s, 128) == ((128, 512), (128,))
    assert grid(RunSettings(scenario="token-generation"), 16) == ((), ())
    assert grid(RunSettings(scenario="token-generation", context_depth=32), 16) == ((16,), (32,))


def test_kv_cache_bytes() -> None:
    assert kv_cache_bytes(2, 2, 16, 24) == 2 * 2 * 2 * 16 * 24 * 4 == 12288


def test_llama_bench_table() -> None:
    from bench.result.models import ResultSettings, RunResult
    t = Timings("onnxruntime", "edgebench", 16, 2, [[2 * MS, 3 * MS, 5 * MS]] * 2, False, 0, 0)
    llm = summarise(t, run_tests((512,), (128,), 0, 2, lambda p: p * 1000,
                                 lambda d, n: n * MS))
    r = RunResult(model="m", model_sha256="0" * 64, precision="fp32",
                  scenario="token-generation", provider="CPUExecutionProvider", input_shapes={},
                  status="ok", valid=True,
                  settings=ResultSettings(duration_s=1, min_queries=1, max_duration_s=1,
                                          warmup=0, threads=2, seed=0), llm=llm)
    lines = render_llm_table([r]).splitlines()
    cells = [[c.strip() for c in line.split("|")[1:-1]] for line in lines]
    assert cells[0] == ["model", "engine", "threads", "test", "t/s"]
    assert cells[2:] == [["m", "onnxruntime", "2", "pp512", "1000000.00 ± 0.00"],
                         ["m", "onnxruntime", "2", "tg128", "1000.00 ± 0.00"]]
    assert render_llm_table([]) == ""


@pytest.mark.parametrize(("args", "needle"), [
    (["--prompt-length", "128,x"], "--prompt-length '128,x'"),
    (["--repetitions", "3"], "--repetitions only applies to --scenario token-generation"),
    (["--prompt-length", "0"], "--prompt-length"),
])
def test_llm_flags_refused(args: list[str], needle: str, cli_runner) -> None:
    result = cli_runner.invoke(main, ["run", "tiny_mlp", *args])
    assert result.exit_code == 2 and needle in result.output, result.output
    assert len(result.output.strip().splitlines()) <= 2


def _logits(model) -> np.ndarray:
    import onnxruntime as ort
    plans = plan_inputs(model.name, model.inputs, model.spec.inputs)
    return ort.InferenceSession(str(model.path)).run(["logits"], generate_inputs(plans, 0))[0]


def test_int4_decoder_is_matmulnbits_block_32_within_tolerance() -> None:
    fp32, int4 = resolve("llm_decoder_tiny"), resolve("llm_decoder_tiny", "int4")
    nodes = [n for n in onnx.load(str(int4.path)).graph.node if n.op_type == "MatMulNBits"]
    assert len(nodes) == 2 * 7 + 1  # q k v o gate up down per layer, and the LM head
    attrs = {a.name: a.i for a in nodes[0].attribute}
    assert (attrs["bits"], attrs["block_size"], attrs["accuracy_level"]) == (4, 32, 4)
    assert int4.path.stat().st_size < 0.6 * fp32.path.stat().st_size  # embedding stays fp32
    check = compare_output("logits", _logits(int4), _logits(fp32), TOLERANCES["int4"])
    assert check.passed, check
    assert check.max_rel_error > 1e-3  # it is quantized: not the fp32 numbers
