"""``edgebench devices ...`` and ``run --device/--emulate`` through Click, and once for real."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner

from bench.cli import cli


def test_list_json(cli_runner: CliRunner) -> None:
    out = cli_runner.invoke(cli, ["devices", "list", "--json"])
    assert out.exit_code == 0
    names = [p["name"] for p in json.loads(out.output)]
    assert names == ["ai-pc", "ai-phone", "all-in-one-ascend", "all-in-one", "host", "wearable"]


def test_show_resolves_extends(cli_runner: CliRunner, tmp_path: Path) -> None:
    child = tmp_path / "watch.yaml"
    child.write_text("name: watch\nextends: wearable\nmemory_limit: 256MiB\n")
    out = cli_runner.invoke(cli, ["devices", "show", str(child), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["category"] == "wearable" and data["memory_limit"] == 256 * 2**20
    assert data["cores"] == [0] and data["origin"] == str(child)
    text = cli_runner.invoke(cli, ["devices", "show", "ai-phone"])
    assert yaml.safe_load(text.output)["execution_providers"][0]["name"] == "qnn"


def test_show_unknown_name_suggests(cli_runner: CliRunner) -> None:
    out = cli_runner.invoke(cli, ["devices", "show", "wearabel"])
    assert out.exit_code == 2
    assert "did you mean 'wearable'?" in out.output


def test_validate_exits_2_with_every_error(cli_runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ncategory: phne\nthreds: 2\nworkloads: [{model: nope}]\n")
    syntax = tmp_path / "syntax.yaml"
    syntax.write_text("name: s\ncategory: pc\nworkloads: [{model: tiny_cnn}\n")
    good = tmp_path / "good.yaml"
    good.write_text("name: good\ncategory: pc\nworkloads: [{model: tiny_cnn}]\n")
    out = cli_runner.invoke(cli, ["devices", "validate", str(bad), str(syntax), str(good)])
    assert out.exit_code == 2
    lines = out.output.strip().splitlines()
    assert len(lines) == 4, out.output  # 3 in bad.yaml, 1 in syntax.yaml
    assert "Traceback" not in out.output
    assert "syntax.yaml: line 4, column 1: YAML error" in out.output
    ok = cli_runner.invoke(cli, ["devices", "validate", str(good)])
    assert ok.exit_code == 0 and "1 profile(s) valid" in ok.output


def test_detect_writes_a_valid_starter(cli_runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "mine.yaml"
    out = cli_runner.invoke(cli, ["devices", "detect", "--write", str(target)])
    assert out.exit_code == 0, out.output
    check = cli_runner.invoke(cli, ["devices", "validate", str(target)])
    assert check.exit_code == 0, check.output
    again = cli_runner.invoke(cli, ["devices", "detect", "--write", str(target)])
    assert again.exit_code == 2 and "exists" in again.output


def test_run_device_emulate_for_real(tmp_path: Path) -> None:
    profile = tmp_path / "one-core.yaml"
    profile.write_text("name: one-core\nextends: host\ncores: [0]\nthreads: 2\n")
    done = subprocess.run(
        [sys.executable, "-m", "bench", "run", "tiny_mlp", "--device", str(profile), "--emulate",
         "--duration", "0.05", "--min-queries", "5", "--warmup", "1", "--json",
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["emulation"]["emulated"] is True and report["emulation"]["cores"] == [0]
    assert report["results"][0]["settings"]["threads"] == 1
