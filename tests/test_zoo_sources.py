"""Manifest sources (url + sha256 from a loopback server, pip package, local file), input
files, the cache under two concurrent processes, and each bad input as one line, exit 2."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bench.cli import cli
from bench.zoo import resolve
from bench.zoo.builders import get_builder
from bench.zoo.inputs import generate_inputs, plan_inputs


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, bytes, list[str]]]:
    """A loopback HTTP server over a folder holding one real ONNX file; yields its URL,
    its bytes and the log of requested paths."""
    data = get_builder("tiny_mlp")({}).SerializeToString()
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "model.onnx").write_bytes(data)
    requests: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(tmp_path / "www"), **kwargs)  # type: ignore

        def log_message(self, *args: object) -> None:
            requests.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/model.onnx", data, requests
    server.shutdown()
    server.server_close()


def _manifest(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(f"name: {name}\ntask: test\ncategories: [pc]\n{body}", encoding="utf-8")
    return path


def test_url_source_downloads_once_verifies_and_caches(served, tmp_path, monkeypatch) -> None:
    url, data, requests = served
    monkeypatch.setenv("EDGEBENCH_CACHE_DIR", str(tmp_path / "cache"))
    sha = hashlib.sha256(data).hexdigest()
    manifest = _manifest(tmp_path, "remote", f"source: {{url: '{url}', sha256: {sha}}}\n"
                         "inputs: [{name: x, dims: {batch: 1}}]\n")
    first = resolve(str(manifest))
    second = resolve(str(manifest))
    assert first.sha256 == sha and second.path == first.path
    assert first.path.name == f"{sha}.onnx"  # content-addressed
    assert requests == ["/model.onnx"]  # downloaded once


def test_url_whose_bytes_do_not_match_is_refused(served, tmp_path, cli_runner,
                                                 monkeypatch) -> None:
    url, _, _ = served
    monkeypatch.setenv("EDGEBENCH_CACHE_DIR", str(tmp_path / "cache"))
    wrong = "0" * 64
    manifest = _manifest(tmp_path, "remote", f"source: {{url: '{url}', sha256: '{wrong}'}}\n")
    result = cli_runner.invoke(cli, ["models", "build", str(manifest)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(manifest) in lines[0] and "source.sha256" in lines[0]
    assert not list((tmp_path / "cache" / "models" / "blobs").iterdir())  # nothing kept


def test_package_source_finds_a_file_shipped_in_a_distribution(tmp_path) -> None:
    manifest = _manifest(tmp_path, "shipped", "source:\n  package: onnxruntime\n"
                         "  path: onnxruntime/datasets/sigmoid.onnx\n")
    model = resolve(str(manifest))
    assert model.path.name == "sigmoid.onnx" and model.path.is_file()


@pytest.mark.parametrize(("body", "field"), [
    ("source: {builder: no_such_builder}\n", "source.builder"),
    ("source: {builder: tiny_mlp}\nprecison: [fp32]\n", "precison"),
    ("source: {package: edgebench-no-such-dist, path: a/b.onnx}\n", "source.package"),
    ("source: {file: missing.onnx}\n", "source.file"),
])
def test_bad_manifest_is_one_line_naming_file_and_field(body, field, tmp_path,
                                                        cli_runner) -> None:
    manifest = _manifest(tmp_path, "bad", body)
    result = cli_runner.invoke(cli, ["run", str(manifest), "--duration", "0.05"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(manifest) in lines[0] and field in lines[0], lines


def test_missing_package_says_how_to_install(tmp_path, cli_runner) -> None:
    manifest = _manifest(tmp_path, "bad", "source: {package: edgebench-no-such-dist, "
                         "path: a.onnx}\n")
    result = cli_runner.invoke(cli, ["models", "build", str(manifest)])
    assert "pip install 'edgebench[real-models]'" in result.output


def test_npz_and_npy_input_files(tmp_path) -> None:
    x = np.arange(512, dtype=np.float32).reshape(1, 512) / 512
    np.savez(tmp_path / "feeds.npz", x=x)
    (tmp_path / "m.onnx").write_bytes(get_builder("tiny_mlp")({}).SerializeToString())
    manifest = _manifest(tmp_path, "with_file", "source: {file: m.onnx}\ninputs:\n"
                         "  - {name: x, dims: {batch: 1}, generator: {kind: file, "
                         "path: feeds.npz, key: x}}\n")
    model = resolve(str(manifest))
    assert model.spec is not None
    feeds = generate_inputs(plan_inputs(model.name, model.inputs, model.spec.inputs), 0)
    np.testing.assert_array_equal(feeds["x"], x)
    np.save(tmp_path / "x.npy", x[:, :10])  # a wrong shape is refused, naming the input
    generator = model.spec.inputs[0].generator
    assert generator is not None
    wrong = generator.model_copy(update={"path": str(tmp_path / "x.npy"), "key": None})
    spec = model.spec.inputs[0].model_copy(update={"generator": wrong})
    from bench.errors import InputError
    with pytest.raises(InputError, match="'x'.*shape"):
        generate_inputs(plan_inputs(model.name, model.inputs, [spec]), 0)


def test_two_processes_building_at_once_never_corrupt_the_cache(tmp_path) -> None:
    code = ("import json\nfrom bench.zoo import resolve\nm = resolve('mobilenet_v2')\n"
            "print(json.dumps([str(m.path), m.sha256]))")
    env = {**os.environ, "EDGEBENCH_CACHE_DIR": str(tmp_path)}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    assert results[0] == results[1]
    path, sha = results[0]
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == sha
    assert not [p for p in (tmp_path / "models").iterdir() if p.name.startswith(".")]  # no temps
