"""The CLI through CliRunner, and once as a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import jsonschema
import pytest
from click.testing import CliRunner

import bench
from bench.cli import cli
from bench.resources import data_dir
from tests.onnx_files import dynamic_conv, mixed_inputs, reshape_to_six

SCHEMA = json.loads((data_dir("reports") / "schema" / "report.schema.json").read_text())


def _commands(group=cli, prefix=()):  # every command path, for --help on each
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        yield prefix + (name,)
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


def test_version(cli_runner: CliRunner) -> None:
    result = cli_runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and bench.__version__ in result.output


@pytest.mark.parametrize("path", [()] + list(_commands()), ids=lambda p: " ".join(p) or "top")
def test_help_everywhere(cli_runner: CliRunner, path: tuple[str, ...]) -> None:
    result = cli_runner.invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_env_json(cli_runner: CliRunner) -> None:
    result = cli_runner.invoke(cli, ["env", "--json"])
    info = json.loads(result.output)
    for key in ("cpu_model", "logical_cores", "physical_cores", "memory_bytes", "os",
                "python", "onnxruntime", "providers"):
        assert key in info
    assert "CPUExecutionProvider" in info["providers"]


def test_models_and_devices_lists(cli_runner: CliRunner) -> None:
    models = json.loads(cli_runner.invoke(cli, ["models", "list", "--json"]).output)
    assert {"tiny_cnn", "tiny_mlp", "tiny_text"} <= {m["name"] for m in models}
    devices = json.loads(cli_runner.invoke(cli, ["devices", "list", "--json"]).output)
    assert "host" in {d["name"] for d in devices}
    table = cli_runner.invoke(cli, ["models", "list"]).output
    assert "tiny_cnn" in table and "name" in table.splitlines()[0]


def test_schema_command_matches_committed_file(cli_runner: CliRunner) -> None:
    result = cli_runner.invoke(cli, ["schema"])
    assert json.loads(result.output) == SCHEMA


def test_run_writes_a_valid_report(cli_runner: CliRunner, tmp_path: Path,
                                   fast_flags: list[str]) -> None:
    out = tmp_path / "out"
    result = cli_runner.invoke(cli, ["run", "tiny_cnn", "tiny_text", *fast_flags,
                                     "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"report: {out / 'report.json'}" in result.output
    assert "tiny_text" in result.output and "p90 ms" in result.output
    report = json.loads((out / "report.json").read_text())
    jsonschema.validate(report, SCHEMA)
    assert [r["model"] for r in report["results"]] == ["tiny_cnn", "tiny_text"]
    assert "| tiny_cnn |" in (out / "report.md").read_text()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left


def test_run_default_out_dir_and_json(cli_runner: CliRunner, fast_flags: list[str],
                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli_runner.invoke(cli, ["run", "tiny_mlp", *fast_flags, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    path = Path(summary["report"])
    assert path.parent.parent == Path("reports") and path.parent.name == summary["run_id"]
    assert "samples_ns" not in summary["results"][0]
    assert path.is_file()


def test_user_model_flags(cli_runner: CliRunner, tmp_path: Path, fast_flags: list[str]) -> None:
    conv = dynamic_conv(tmp_path / "conv.onnx")
    mixed = mixed_inputs(tmp_path / "mixed.onnx")
    result = cli_runner.invoke(cli, [
        "run", str(conv), str(mixed), *fast_flags, "--out", str(tmp_path / "o"),
        "--shape", "x=1,3,224,224", "--shape", "ids=1,4", "--shape", "mask=1,4",
        "--value", "scale=2"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert [r["input_shapes"] for r in report["results"]] == [
        {"x": [1, 3, 224, 224]}, {"ids": [1, 4], "mask": [1, 4], "scale": []}]


def _bad_inputs(tmp: Path) -> list[tuple[list[str], str]]:
    conv = dynamic_conv(tmp / "conv.onnx")
    (tmp / "text.onnx").write_text("hello, not a model\n")
    whole = conv.read_bytes()
    (tmp / "cut.onnx").write_bytes(whole[: len(whole) // 2])
    return [
        (["tiny_cnnn"], "unknown model 'tiny_cnnn'"),
        ([str(tmp / "missing.onnx")], "missing.onnx: no such file"),
        ([str(tmp / "text.onnx")], "not a valid ONNX model"),
        ([str(tmp / "cut.onnx")], "truncated"),
        ([str(conv), "--shape", "y=1,3,8,8"], "has no input 'y'"),
        ([str(conv), "--shape", "x=1,3,0,8"], "positive"),
        ([str(conv)], "2 dynamic dims are unset: x[2] ('H'), x[3]"),
        (["tiny_text", "--value", "temperature=warm"], "'warm' is not a number"),
        (["tiny_cnn", "--device", "no-such-device"], "unknown device profile"),
        (["tiny_cnn", "--duration", "0"], "--duration"),
        (["tiny_cnn", "--duration", "-3"], "--duration"),
    ]


def test_bad_input_is_one_clear_line_exit_2(cli_runner: CliRunner, tmp_path: Path) -> None:
    for args, needle in _bad_inputs(tmp_path):
        out = tmp_path / "never"
        result = cli_runner.invoke(cli, ["run", *args, "--out", str(out)])
        assert result.exit_code == 2, (args, result.output)
        assert needle in result.output, (args, result.output)
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) <= 2, result.output
        assert not out.exists(), args


def test_failed_inference_exits_1_with_report(cli_runner: CliRunner, tmp_path: Path,
                                              fast_flags: list[str]) -> None:
    six = reshape_to_six(tmp_path / "six.onnx")
    out = tmp_path / "out"
    result = cli_runner.invoke(cli, ["run", str(six), "--shape", "x=5", *fast_flags,
                                     "--out", str(out)])
    assert result.exit_code == 1
    (failed,) = json.loads((out / "report.json").read_text())["results"]
    assert failed["status"] == "failed" and "Reshape" in failed["error"]


def _edgebench() -> list[str]:
    script = Path(sys.executable).parent / "edgebench"
    if script.exists():
        return [str(script)]
    found = shutil.which("edgebench")
    return [found] if found else [sys.executable, "-m", "bench"]


def test_real_subprocess(tmp_path: Path, fast_flags: list[str]) -> None:
    env = dict(os.environ)
    done = subprocess.run([*_edgebench(), "run", *fast_flags, "--out", str(tmp_path / "r")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    jsonschema.validate(report, SCHEMA)
    assert report["device"]["name"] == "host" and len(report["results"]) == 3
    bad = subprocess.run([*_edgebench(), "run", "nonexistent_model"], capture_output=True,
                         text=True, env=env, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: unknown model 'nonexistent_model'")
    assert "Traceback" not in bad.stderr and bad.stdout == ""


LOADED = """import json, sys
from bench.cli import main
try:
    main(sys.argv[1:], prog_name="edgebench")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("args, unwanted", [
    (["--version"], ["bench.cli.run", "bench.measure", "bench.report", "onnxruntime"]),
    (["env", "--json"], ["bench.cli.run", "bench.lab", "bench.report", "bench.zoo", "onnx"]),
    (["compare", "--help"], ["bench.cli.run", "bench.lab", "bench.zoo", "onnxruntime"]),
    (["report", "--help"], ["bench.cli.run", "bench.lab", "bench.zoo", "onnx"]),
])
def test_a_command_imports_only_its_own(args: list[str], unwanted: list[str]) -> None:
    # a fresh interpreter: what one command loads, with the others' modules left unloaded
    done = subprocess.run([sys.executable, "-c", LOADED, *args], capture_output=True,
                          text=True, timeout=120)
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert done.stdout, done.stderr
    assert not [m for m in unwanted if m in loaded or any(
        name.startswith(m + ".") for name in loaded)]
