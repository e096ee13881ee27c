"""Decoders as users have them: each convention recognised (optimum with and without
position_ids, the legacy merged decoder, an ONNX Runtime GenAI folder, the suite's own), the
first step planned without --shape, each step's inputs filled so that decoding with the cache
equals a full forward pass, and bad decoders or folders refused in one line (exit 2).

The optimum files are real exports (tests/data/decoders/README.md says how they were made).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from bench.cli import main
from bench.errors import InputError, ModelFileError
from bench.measure.decoding import Steps
from bench.spec import RunSettings
from bench.zoo import resolve
from bench.zoo.decoders import plan_decoder
from bench.zoo.genai_build import genai_folder
from bench.zoo.inputs import generate_inputs, plan_inputs
from bench.zoo.manifests import get_manifest

DATA = Path(__file__).parent / "data" / "decoders"
LLAMA, BLOOM, MERGED = DATA / "optimum-llama", DATA / "optimum-bloom", DATA / "optimum-llama-merged"
SETTINGS = RunSettings(scenario="token-generation", prompt_length=8, new_tokens=4)


@pytest.fixture(scope="module")
def tiny_genai() -> Path:
    spec, _ = get_manifest("llm_decoder_tiny")
    return genai_folder(spec, "fp32")


def _planned(ref: str) -> tuple[object, object, dict[str, np.ndarray], ort.InferenceSession]:
    model = resolve(ref)
    planned = plan_decoder(model, SETTINGS)
    specs = model.spec.inputs if model.spec else planned.specs
    plans = plan_inputs(model.name, model.inputs, specs)
    feeds = generate_inputs(plans, 0)
    return model, planned.layout, feeds, ort.InferenceSession(str(model.path))


@pytest.mark.parametrize(("ref", "convention", "extra"), [
    (str(LLAMA / "model.onnx"), "optimum", {"attention_mask", "position_ids"}),
    (str(BLOOM), "optimum", {"attention_mask"}),
    (str(MERGED), "optimum-merged", {"attention_mask", "position_ids", "use_cache_branch"}),
    ("llm_decoder_tiny", "edgebench", set()),
])
def test_each_convention_is_recognised_and_planned(ref: str, convention: str,
                                                   extra: set[str]) -> None:
    model, layout, feeds, _ = _planned(ref)
    assert layout.convention == convention
    assert {n for n in layout.fed() if not n.startswith(("input_ids", "past_"))} == extra
    assert layout.layers == 2
    first_past = feeds[layout.past[0][0]]
    assert first_past.shape[0] == 1 and first_past.shape[2] == 0  # batch 1, an empty past


def test_a_genai_folder_is_recognised_with_its_config(tiny_genai: Path) -> None:
    model, layout, feeds, _ = _planned(str(tiny_genai))
    assert layout.convention == "onnxruntime-genai"
    assert (layout.kv_heads, layout.head_dim, layout.vocab) == (2, 16, 512)
    assert layout.attention_mask == "attention_mask" and layout.position_ids is None
    assert feeds["input_ids"].shape == (1, 8) and feeds["attention_mask"].shape == (1, 8)
    ops = {(n.domain, n.op_type) for n in onnx.load(str(model.path)).graph.node}
    assert ("com.microsoft", "GroupQueryAttention") in ops
    assert ("", "SimplifiedLayerNormalization") in ops


@pytest.mark.parametrize("ref", [str(LLAMA), str(BLOOM), str(MERGED), "llm_decoder_tiny",
                                 "genai"])
def test_decoding_with_the_filled_inputs_equals_a_full_forward(ref: str,
                                                               tiny_genai: Path) -> None:
    """Prefill 7 tokens, decode the 8th through the convention's feeds: its logits equal
    the last logits of one prefill of all 8 (mask, positions and cache all right)."""
    model, layout, feeds, sess = _planned(str(tiny_genai) if ref == "genai" else ref)
    names = [o.name for o in sess.get_outputs()]
    steps = Steps(model.name, layout, feeds, names)
    prompt = feeds[layout.input_ids]
    full = sess.run(None, steps.first(prompt))
    out = sess.run(None, steps.first(prompt[:, :-1]))
    step = sess.run(None, steps.extend(out, prompt[:, -1:], prompt.shape[1] - 1))
    np.testing.assert_allclose(step[steps.logits_at][:, -1], full[steps.logits_at][:, -1],
                               rtol=1e-4, atol=1e-5)
    assert steps.cache_bytes(step) == steps.cache_bytes(full) > 0


def test_genai_engine_generates_the_suite_decoders_greedy_tokens(tiny_genai: Path) -> None:
    """onnxruntime-genai itself loads the built folder and generates; greedy, it gives the
    tokens the suite's plain decoder gives (same weights, GQA form)."""
    og = pytest.importorskip("onnxruntime_genai")
    prompt = np.random.default_rng(0).integers(0, 512, size=8)
    model = og.Model(str(tiny_genai))
    params = og.GeneratorParams(model)
    params.set_search_options(max_length=8 + 6, do_sample=False)
    generator = og.Generator(model, params)
    generator.append_tokens(prompt.astype(np.int32))
    got = []
    for _ in range(6):
        generator.generate_next_token()
        got.append(int(generator.get_next_tokens()[0]))
    plain, layout, feeds, sess = _planned("llm_decoder_tiny")
    steps = Steps(plain.name, layout, feeds, [o.name for o in sess.get_outputs()])
    out = sess.run(None, steps.first(prompt[None, :]))
    want = []
    for i in range(6):
        token = steps.token(out)
        want.append(int(token[0, 0]))
        out = sess.run(None, steps.extend(out, token, 8 + i))
    assert got == want


def _json(result) -> dict:
    return json.loads(result.output[result.output.index("{"):])


@pytest.mark.parametrize("ref", [str(LLAMA / "model.onnx"), str(MERGED), "genai"])
def test_run_needs_no_shape(ref: str, tiny_genai: Path, tmp_path: Path, cli_runner,
                            fast_flags: list[str]) -> None:
    if ref == "genai":  # the engine is the genai extra (in the test extra, so CI has it)
        pytest.importorskip("onnxruntime_genai")
    target = str(tiny_genai) if ref == "genai" else ref
    args = ["run", target, "--json", "--out", str(tmp_path), "--new-tokens", "3",
            "--prompt-length", "8,16", *fast_flags]
    if ref != "genai":  # a GenAI folder runs token-generation through its engine by itself
        args += ["--scenario", "token-generation"]
    result = cli_runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    (r,) = _json(result)["results"]
    assert r["scenario"] == "token-generation" and r["status"] == "ok"
    llm = r["llm"]
    assert llm["engine"] == ("onnxruntime-genai" if ref == "genai" else "onnxruntime")
    assert [t["name"] for t in llm["tests"]] == ["pp8", "pp16", "tg3"]
    assert llm["prompt_tokens_per_s"]["n"] == llm["generations"] >= 5  # --repetitions 5
    assert llm["kv_cache_bytes"] > 0 and llm["time_to_first_token_ms"]["p50"] > 0


def test_the_same_genai_folder_through_a_plain_session(tiny_genai: Path, tmp_path: Path,
                                                       cli_runner, fast_flags) -> None:
    result = cli_runner.invoke(main, ["run", str(tiny_genai), "--engine", "onnxruntime",
                                      "--json", "--out", str(tmp_path), *fast_flags])
    assert result.exit_code == 0, result.output
    (r,) = _json(result)["results"]
    assert r["llm"]["engine"] == "onnxruntime"
    assert r["llm"]["convention"] == "onnxruntime-genai"
    assert r["input_shapes"]["attention_mask"] == [1, 128]


def _renamed_input(tmp_path: Path, old: str, new: str) -> Path:
    model = onnx.load(str(LLAMA / "model.onnx"))
    for value in model.graph.input:
        if value.name == old:
            value.name = new
    for node in model.graph.node:
        node.input[:] = [new if n == old else n for n in node.input]
    out = tmp_path / "cut"
    out.mkdir()
    onnx.save(model, str(out / "model.onnx"))
    shutil.copy(LLAMA / "config.json", out / "config.json")
    return out


def _bad(cli_runner, args: list[str]) -> str:
    result = cli_runner.invoke(main, ["run", *args, "--duration", "0.05"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert 1 <= len(lines) <= 2 and "Traceback" not in result.output
    return result.output


def test_a_decoder_missing_a_needed_input(tmp_path: Path, cli_runner) -> None:
    folder = _renamed_input(tmp_path, "past_key_values.1.value", "past_values_1")
    out = _bad(cli_runner, [str(folder), "--scenario", "token-generation"])
    assert "past_key_values.1.value is missing" in out


def test_a_folder_without_a_model_or_genai_config(tmp_path: Path, cli_runner) -> None:
    (tmp_path / "notes.txt").write_text("nothing here")
    out = _bad(cli_runner, [str(tmp_path)])
    assert "genai_config.json" in out and str(tmp_path) in out


@pytest.mark.parametrize(("text", "needle"), [
    ("{not json", "not valid JSON"),
    ('{"model": {"type": "llama"}}', "field model.context_length"),
    ('{"model": {"type": "llama", "context_length": 512, "vocab_size": 512, "decoder": '
     '{"filename": "model.onnx", "head_size": 16, "hidden_size": 64, "num_attention_heads":'
     ' 4, "num_hidden_layers": 3, "num_key_value_heads": 2}}}', "past_key_values.2.key"),
])
def test_a_broken_genai_config(text: str, needle: str, tiny_genai: Path, tmp_path: Path,
                               cli_runner) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(tiny_genai, folder)
    (folder / "genai_config.json").write_text(text)
    assert needle in _bad(cli_runner, [str(folder)])


def test_engine_genai_on_a_plain_file_is_refused(cli_runner) -> None:
    out = _bad(cli_runner, [str(LLAMA / "model.onnx"), "--scenario", "token-generation",
                            "--engine", "genai"])
    assert "genai_config.json" in out


def test_a_prompt_past_the_context_is_refused() -> None:
    with pytest.raises(InputError, match="context length 512"):
        plan_decoder(resolve(str(LLAMA)), RunSettings(scenario="token-generation",
                                                      prompt_length=500, new_tokens=32))


def test_a_model_that_is_not_a_decoder() -> None:
    with pytest.raises(InputError, match="is not a decoder"):
        plan_decoder(resolve("tiny_mlp"), SETTINGS)


def test_open_folder_names_the_missing_model_file(tiny_genai: Path, tmp_path: Path) -> None:
    folder = tmp_path / "nomodel"
    folder.mkdir()
    shutil.copy(tiny_genai / "genai_config.json", folder)
    with pytest.raises(ModelFileError, match="'model.onnx' is not in"):
        resolve(str(folder))


def test_int4_genai_folder(tmp_path: Path, cli_runner, fast_flags: list[str]) -> None:
    """--engine genai --precision int4 builds the suite decoder's int4 GenAI folder
    (MatMulNBits) and onnxruntime-genai runs it."""
    result = cli_runner.invoke(main, ["run", "llm_decoder_tiny", "--scenario",
                                      "token-generation", "--engine", "genai", "--precision",
                                      "int4", "--json", "--out", str(tmp_path), *fast_flags])
    assert result.exit_code == 0, result.output
    (r,) = _json(result)["results"]
    assert r["llm"]["engine"] == "onnxruntime-genai" and r["precision"] == "int4"
    assert r["model"] == "llm_decoder_tiny" and r["input_shapes"]["input_ids"] == [1, 16]


def test_results_of_two_engines_are_not_compared(tiny_genai: Path, tmp_path: Path,
                                                 cli_runner, fast_flags: list[str]) -> None:
    from bench.result.compare import compare_reports
    from bench.result.contract import load_report
    reports = []
    for engine in ("genai", "onnxruntime"):
        out = tmp_path / engine
        result = cli_runner.invoke(main, ["run", str(tiny_genai), "--engine", engine,
                                          "--out", str(out), *fast_flags])
        assert result.exit_code == 0, result.output
        reports.append(load_report(out / "report.json"))
    (pair,) = compare_reports(reports[0], reports[1]).pairs
    assert pair.kind == "incomparable" and "engine differs" in (pair.reason or "")


def test_a_broken_genai_config_as_a_real_subprocess(tiny_genai: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys
    folder = tmp_path / "broken"
    shutil.copytree(tiny_genai, folder)
    (folder / "genai_config.json").write_text("{not json")
    edgebench = shutil.which("edgebench", path=os.path.dirname(sys.executable)) or "edgebench"
    proc = subprocess.run([edgebench, "run", str(folder)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("error:") and "not valid JSON" in proc.stderr
