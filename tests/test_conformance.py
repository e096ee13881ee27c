"""Output conformance: hand cases, and a deliberately corrupted copy of a tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from click.testing import CliRunner
from onnx import numpy_helper

from bench.cli import cli
from bench.measure.conformance import TOLERANCES, check_outputs, compare_output
from bench.zoo import resolve


def test_compare_by_hand() -> None:
    ref = np.array([1.0, -2.0, 4.0])
    got = np.array([1.0, -2.0, 4.02])
    c = compare_output("y", got, ref, TOLERANCES["fp16"])
    assert c.max_abs_error == 0.02 or abs(c.max_abs_error - 0.02) < 1e-12
    assert abs(c.max_rel_error - 0.005) < 1e-12  # 0.02 / max |ref| = 0.02 / 4
    assert c.passed  # 0.005 <= 1e-2, cosine ~0.99999
    assert not compare_output("y", got, ref, TOLERANCES["fp32"]).passed
    flipped = compare_output("y", -ref, ref, TOLERANCES["int8"])
    assert flipped.cosine_similarity == -1.0 and not flipped.passed
    shape = compare_output("y", ref[:2], ref, TOLERANCES["int8"])
    assert not shape.passed and "shape" in shape.note
    nan = compare_output("y", np.array([np.nan, 1, 1]), ref, TOLERANCES["int8"])
    assert not nan.passed and nan.max_abs_error is None
    ints = compare_output("ids", np.array([1, 2]), np.array([1, 3]), TOLERANCES["int8"])
    assert not ints.passed  # integer outputs must match exactly


def test_check_outputs_names_missing() -> None:
    result = check_outputs(["a", "b"], [np.ones(2), np.ones(2)], {"a": np.ones(2)}, "fp32",
                           "ref.onnx", "0" * 64)
    assert not result.passed and [o.passed for o in result.outputs] == [True, False]


def _corrupt(tmp_path: Path) -> tuple[Path, Path]:
    """tiny_cnn's file, and a copy with one weight tensor (the first conv's) negated."""
    reference = resolve("tiny_cnn").path
    model = onnx.load(str(reference))
    for index, init in enumerate(model.graph.initializer):
        if init.name == "conv0.w":
            negated = numpy_helper.from_array(-numpy_helper.to_array(init), init.name)
            model.graph.initializer[index].CopyFrom(negated)
    corrupt = tmp_path / "tiny_cnn_corrupt.onnx"
    onnx.save(model, str(corrupt))
    return reference, corrupt


def test_corrupted_model_is_invalid(tmp_path: Path) -> None:
    reference, corrupt = _corrupt(tmp_path)
    runner = CliRunner()
    flags = ["--duration", "0.05", "--min-queries", "5", "--warmup", "1", "--check-outputs",
             "--reference", str(reference), "--shape", "image=1,3,128,128", "--json"]
    bad = runner.invoke(cli, ["run", str(corrupt), "--out", str(tmp_path / "bad"), *flags])
    assert bad.exit_code == 0, bad.output
    result = json.loads(bad.output)["results"][0]
    assert result["conformance"]["passed"] is False and result["valid"] is False
    assert any("differs from the fp32 reference" in r and "cosine" in r
               for r in result["invalid_reasons"])
    good = runner.invoke(cli, ["run", str(reference), "--out", str(tmp_path / "good"), *flags])
    checked = json.loads(good.output)["results"][0]["conformance"]
    assert checked["passed"] is True
    assert checked["outputs"][0]["max_abs_error"] == 0.0


def test_manifest_bounds_override_the_precision_defaults() -> None:
    from bench.measure.conformance import TOLERANCES, tolerance_for

    assert tolerance_for("int8") == TOLERANCES["int8"]
    own = tolerance_for("int8", max_rel=0.25)
    assert own.rel == 0.25 and own.cosine == TOLERANCES["int8"].cosine
    assert tolerance_for("fp16", min_cosine=0.9).cosine == 0.9


def test_fc_autoencoder_int8_is_checked_with_its_manifest_tolerance() -> None:
    import bench
    from bench.spec import RunSettings

    settings = RunSettings(duration_s=0.01, min_queries=3, warmup=0, precision="int8",
                           check_outputs=True)
    (result,) = bench.run(["fc_autoencoder"], settings=settings).results
    assert result.conformance is not None
    assert result.conformance.rel_tolerance == 0.25 and result.conformance.passed


def test_only_tensor_outputs_are_compared_and_the_others_are_named() -> None:
    zipmap = [{0: 0.8, 1: 0.2}]
    result = check_outputs(["label", "probabilities"], [np.array([0]), zipmap],
                           {"label": np.array([0]), "probabilities": [{0: 0.1, 1: 0.9}]},
                           "fp32", "ref.onnx", "0" * 64)
    label, probabilities = result.outputs
    assert result.passed and label.max_abs_error == 0.0
    assert probabilities.note == "not compared: a sequence of maps (ZipMap), not a tensor"
    assert probabilities.max_abs_error is None


def test_string_outputs_compare_exactly() -> None:
    words = np.array(["monday", "tuesday"], dtype=object)
    same = compare_output("y", words, words.copy(), TOLERANCES["fp32"])
    other = compare_output("y", words, np.array(["monday", "sunday"], dtype=object),
                           TOLERANCES["fp32"])
    assert same.passed and not other.passed and "compared exactly" in other.note
