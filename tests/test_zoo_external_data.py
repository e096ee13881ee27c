"""Models whose weights live in an external data file (how a 1B model past protobuf's 2 GiB is
written): written atomically, read, run, hashed with their data, and refused clearly when the
data file is missing or cut short. A tiny model is forced to external data here; the real 1B
model is built by the slow suite tests."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from bench.cli import cli
from bench.device import session
from bench.errors import ModelFileError
from bench.zoo import resolve
from bench.zoo.builders import get_builder
from bench.zoo.cache import write_model
from bench.zoo.graph import load_graph, model_files, model_sha256
from bench.zoo.inputs import generate_inputs, plan_inputs

PARAMS = {"vocab": 256, "hidden": 32, "layers": 1, "heads": 2, "kv_heads": 1,
          "intermediate": 64, "max_positions": 64}
# A 4-token step after one cached token (head_dim 16, one KV head).
SHAPES = {"input_ids": (1, 4), "past_key_values.0.key": (1, 1, 1, 16),
          "past_key_values.0.value": (1, 1, 1, 16)}


def _decoder() -> object:
    return get_builder("llm_decoder")(PARAMS)


@pytest.fixture
def external(tmp_path: Path) -> Path:
    target = tmp_path / "decoder.onnx"
    write_model(target, _decoder(), inline_limit=0)
    return target


def _run(path: Path) -> list[np.ndarray]:
    model = resolve(str(path))
    plans = plan_inputs(model.name, model.inputs, (), SHAPES)
    return session.open_session(path).session.run(None, generate_inputs(plans, 0))


def test_weights_go_to_one_data_file_beside_the_model_and_nothing_else_is_left(
        external: Path) -> None:
    data = external.with_name("decoder.onnx.data")
    assert sorted(p.name for p in external.parent.iterdir()) == ["decoder.onnx",
                                                                   "decoder.onnx.data"]
    assert data.stat().st_size > 10 * external.stat().st_size  # the weights are there
    assert model_files(external) == [external, data]


def test_external_model_runs_exactly_like_the_inline_one(external: Path) -> None:
    inline = external.with_name("inline.onnx")
    write_model(inline, _decoder())
    assert model_files(inline) == [inline]
    for got, want in zip(_run(external), _run(inline), strict=True):
        np.testing.assert_array_equal(got, want)


def test_sha256_covers_the_data_file_as_cat_does(external: Path) -> None:
    data = external.with_name("decoder.onnx.data")
    by_hand = hashlib.sha256(external.read_bytes() + data.read_bytes()).hexdigest()
    assert model_sha256(external) == resolve(str(external)).sha256 == by_hand
    assert by_hand != hashlib.sha256(external.read_bytes()).hexdigest()


def test_a_changed_weight_changes_the_sha256(external: Path) -> None:
    before = model_sha256(external)
    data = external.with_name("decoder.onnx.data")
    raw = bytearray(data.read_bytes())
    raw[-1] ^= 0xFF
    data.write_bytes(bytes(raw))
    assert model_sha256(external) != before


def test_missing_data_file_is_one_clear_error(external: Path) -> None:
    external.with_name("decoder.onnx.data").unlink()
    with pytest.raises(ModelFileError, match=r"decoder\.onnx: its external data file "
                                             r"decoder\.onnx\.data is missing"):
        load_graph(external)


def test_truncated_data_file_is_one_clear_error(external: Path) -> None:
    data = external.with_name("decoder.onnx.data")
    data.write_bytes(data.read_bytes()[:1000])
    with pytest.raises(ModelFileError, match=r"external data decoder\.onnx\.data is truncated "
                                             r"\(1000 bytes"):
        load_graph(external)


def test_cli_runs_a_user_model_with_external_data(external: Path, tmp_path: Path,
                                                  cli_runner, fast_flags) -> None:
    from bench.cli import main

    shapes = [f"--shape={name}={','.join(map(str, dims))}" for name, dims in SHAPES.items()]
    result = cli_runner.invoke(main, ["run", str(external), *fast_flags, *shapes, "--out",
                                      str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["results"][0]["model_sha256"] == model_sha256(external)


WRITER = """
import sys
from pathlib import Path
from bench.zoo.builders import get_builder
from bench.zoo.cache import write_model
params = {params!r}
write_model(Path(sys.argv[1]), get_builder("llm_decoder")(params), inline_limit=0)
"""


def test_two_processes_writing_the_same_model_at_once_leave_it_whole(tmp_path: Path) -> None:
    target = tmp_path / "shared.onnx"
    code = WRITER.format(params=PARAMS)
    procs = [subprocess.Popen([sys.executable, "-c", code, str(target)], stderr=subprocess.PIPE,
                              text=True) for _ in range(4)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    alone = tmp_path / "alone" / "shared.onnx"
    alone.parent.mkdir()
    write_model(alone, _decoder(), inline_limit=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alone", "shared.onnx",
                                                          "shared.onnx.data"]
    assert [p.read_bytes() for p in model_files(target)] == \
        [p.read_bytes() for p in model_files(alone)]
    load_graph(target)


def test_inspection_counts_the_data_file_in_the_model_bytes(external: Path) -> None:
    from bench.zoo.inspection import profile_file

    inline = external.with_name("inline.onnx")
    write_model(inline, _decoder())
    ext, own = profile_file(external), profile_file(inline)
    assert ext.params == own.params > 0
    assert ext.file_bytes == sum(p.stat().st_size for p in model_files(external))
    assert abs(ext.file_bytes - own.file_bytes) < 0.05 * own.file_bytes


def test_a_built_model_is_named_after_the_model_not_its_cache_key() -> None:
    """The .onnx names its data file, so a name carrying the cache key (which hashes the
    builder code) would change the 1B model's sha256 whenever any builder code changed."""
    built = resolve("llm_decoder_tiny").path
    assert built.name == "llm_decoder_tiny.onnx"
    assert built.parent.name.startswith("llm_decoder_tiny-fp32-")


def test_models_inspect_refuses_what_run_refuses(external: Path, tmp_path: Path) -> None:
    """Issue 18: inspect went on with a missing data file ("file bytes 140") and with an
    empty file (all zeros); both now get run's one-line error and exit 2."""
    runner = CliRunner()
    external.with_name("decoder.onnx.data").unlink()
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    for path, needle in ((external, "its external data file decoder.onnx.data is missing"),
                         (empty, "empty file, not an ONNX model")):
        inspected = runner.invoke(cli, ["models", "inspect", str(path)])
        ran = runner.invoke(cli, ["run", str(path), "--out", str(tmp_path / "never")])
        for result in (inspected, ran):
            assert result.exit_code == 2 and needle in result.output, result.output
            assert len(result.output.strip().splitlines()) == 1
        assert not (tmp_path / "never").exists()
