"""The registry: suite names and user files resolve; bad files are clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench import zoo
from bench.errors import ModelFileError, ModelNotFoundError
from bench.zoo.builders import get_builder, list_builders
from tests.onnx_files import dynamic_conv

TINY = ["tiny_cnn", "tiny_mlp", "tiny_text"]


@pytest.mark.parametrize("name", TINY)
def test_tiny_models_resolve(name: str) -> None:
    model = zoo.resolve(name)
    assert model.path.is_file()
    assert len(model.sha256) == 64
    assert model.spec is not None and model.spec.name == name
    assert model.inputs


def test_builders_are_deterministic_across_processes() -> None:
    code = ("from bench.zoo.builders import get_builder; import hashlib, sys; "
            "print(hashlib.sha256(get_builder(sys.argv[1])({}).SerializeToString()).hexdigest())")
    for name in list_builders():
        here = __import__("hashlib").sha256(get_builder(name)({}).SerializeToString()).hexdigest()
        there = subprocess.run([sys.executable, "-c", code, name], check=True,
                               capture_output=True, text=True).stdout.strip()
        assert here == there, name


def test_unknown_model_suggests_a_name() -> None:
    with pytest.raises(ModelNotFoundError, match="did you mean 'tiny_cnn'"):
        zoo.resolve("tiny_cn")


def test_user_file_inputs(tmp_path: Path) -> None:
    model = zoo.resolve(str(dynamic_conv(tmp_path / "conv.onnx")))
    assert model.name == "conv" and model.spec is None
    (x,) = model.inputs
    assert x.name == "x" and x.dtype == np.float32 and x.dims == ("N", 3, "H", None)


@pytest.mark.parametrize("content, needle", [
    (None, "no such file"),
    (b"", "empty file"),
    (b"this is not a protobuf at all \xff\xfe", "not a valid ONNX model"),
])
def test_bad_files(tmp_path: Path, content: bytes | None, needle: str) -> None:
    path = tmp_path / "bad.onnx"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ModelFileError, match=needle) as info:
        zoo.resolve(str(path))
    assert str(path) in str(info.value)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9])
def test_truncated_file(tmp_path: Path, keep: float) -> None:
    whole = dynamic_conv(tmp_path / "whole.onnx").read_bytes()
    path = tmp_path / "cut.onnx"
    path.write_bytes(whole[: int(len(whole) * keep)])
    with pytest.raises(ModelFileError, match="truncated"):
        zoo.resolve(str(path))


def test_directory_is_not_a_model(tmp_path: Path) -> None:
    folder = tmp_path / "dir.onnx"
    folder.mkdir()
    with pytest.raises(ModelFileError, match="not a file"):
        zoo.resolve(str(folder))
