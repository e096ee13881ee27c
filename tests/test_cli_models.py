"""``edgebench models``: list, show, build, inspect (CliRunner, and once a real process)."""

from __future__ import annotations

import json
import subprocess
import sys

from bench.cli import cli
from bench.zoo import resolve
from bench.zoo.builders import get_builder
from bench.zoo.inspection import profile_graph


def test_list_json_and_category(cli_runner) -> None:
    result = cli_runner.invoke(cli, ["models", "list", "--category", "wearable", "--json"])
    names = {m["name"] for m in json.loads(result.output)}
    assert {"ds_cnn_kws", "mobilenet_v1_025_vww", "resnet8_cifar", "fc_autoencoder"} <= names
    assert "resnet50" not in names


def test_show_prints_the_manifest(cli_runner) -> None:
    result = cli_runner.invoke(cli, ["models", "show", "mobilebert"])
    assert result.exit_code == 0 and "seq: 384" in result.output


def test_build_prints_path_and_sha256_as_a_real_process() -> None:
    done = subprocess.run([sys.executable, "-m", "bench", "models", "build", "resnet8_cifar"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    path, sha = done.stdout.strip().splitlines()
    assert sha == f"sha256 {resolve('resnet8_cifar').sha256}"


def test_inspect_json_counts(cli_runner, tmp_path) -> None:
    path = tmp_path / "cnn.onnx"
    path.write_bytes(get_builder("tiny_cnn")({}).SerializeToString())
    result = cli_runner.invoke(cli, ["models", "inspect", str(path), "--json"])
    data = json.loads(result.output)
    # conv0: 64x64x32 outputs x 3 x 3x3; conv1: 32x32x64 x 32 x 9; conv2: 16x16x128 x 64 x 9
    conv = 64 * 64 * 32 * 27 + 32 * 32 * 64 * 32 * 9 + 16 * 16 * 128 * 64 * 9
    assert data["macs_by_op"] == {"Conv": conv, "Gemm": 128 * 10}
    assert data["flops"] == 2 * (conv + 1280) and data["opset"] == 17
    assert data["params"] == 3 * 32 * 9 + 32 + 32 * 64 * 9 + 64 + 64 * 128 * 9 + 128 + 1290
    assert data["inputs"] == [{"name": "image", "dtype": "float",
                               "shape": ["batch", 3, 128, 128]}]


def test_matmul_and_gemm_macs_by_hand() -> None:
    text = profile_graph(get_builder("tiny_text")({}), {"batch": 1, "seq": 128})
    assert text.macs_by_op == {"MatMul": 64 * 4}
    mlp = profile_graph(get_builder("tiny_mlp")({}), {"batch": 4})
    assert mlp.macs_by_op == {"Gemm": 4 * (512 * 1024 + 1024 * 10)}


def test_run_with_precision_records_the_variant(cli_runner, fast_flags, tmp_path) -> None:
    result = cli_runner.invoke(cli, ["run", "resnet8_cifar", "--precision", "int8", "--json",
                                     "--out", str(tmp_path), *fast_flags])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    (entry,) = report["results"]
    assert entry["precision"] == "int8"
    assert entry["model_sha256"] == resolve("resnet8_cifar", "int8").sha256
