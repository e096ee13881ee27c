"""`edgebench report` and `edgebench compare` through the CLI: output, exit codes, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cli import cli
from bench.result.contract import load_report, render_json, seal

GOLDEN = Path(__file__).parent / "golden" / "report.json"


def _variant(tmp_path: Path, name: str, scale: float = 1.0, **result_update: object) -> Path:
    """The golden report with every sample scaled (and fields changed), sealed again."""
    report = load_report(GOLDEN)
    results = [r.model_copy(update={"samples_ns": [int(v * scale) for v in r.samples_ns],
                                    **result_update}) for r in report.results]
    path = tmp_path / f"{name}.json"
    path.write_bytes(render_json(seal(report.model_copy(update={"results": results}))))
    return path


@pytest.mark.parametrize(("fmt", "marker"), [("md", "# edgebench report golden"),
                                             ("csv", "run_id,created_at"),
                                             ("junit", "<testsuites"),
                                             ("pytest-benchmark", '"machine_info"')])
def test_report_rerenders_to_stdout(cli_runner, fmt: str, marker: str) -> None:
    done = cli_runner.invoke(cli, ["report", str(GOLDEN), "--format", fmt])
    assert done.exit_code == 0, done.output
    assert marker in done.output


def test_report_writes_html_to_a_file(cli_runner, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    done = cli_runner.invoke(cli, ["report", str(GOLDEN), "--format", "html", "-o", str(out)])
    assert done.exit_code == 0 and done.output == ""
    assert out.read_text().startswith("<!DOCTYPE html>")


def _bad_inputs(tmp_path: Path) -> list[tuple[list[str], str]]:
    not_json = tmp_path / "not.json"
    not_json.write_text("this is not json")
    data = json.loads(GOLDEN.read_text())
    data["host"]["memory_bytes"] = "lots"
    bad_field = tmp_path / "field.json"
    bad_field.write_text(json.dumps(data))
    data = json.loads(GOLDEN.read_text())
    data["schema_version"] = "2.0.0"
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(data))
    return [
        (["report", str(not_json)], "not JSON"),
        (["report", str(bad_field)], "field host.memory_bytes"),
        (["report", str(newer)], "upgrade edgebench"),
        (["report", str(GOLDEN), "--format", "pdf"], "unknown report format 'pdf'"),
        (["report", str(tmp_path / "missing.json")], "cannot read"),
        (["compare", str(GOLDEN), str(newer)], "upgrade edgebench"),
        (["compare", str(GOLDEN), str(GOLDEN), "--threshold", "lots"], "--threshold"),
        (["compare", str(GOLDEN), str(GOLDEN), "--metric", "p900"], "--metric"),
    ]


def test_bad_input_is_one_line_and_exit_2(cli_runner, tmp_path: Path) -> None:
    for args, expected in _bad_inputs(tmp_path):
        done = cli_runner.invoke(cli, args)
        assert done.exit_code == 2, (args, done.output)
        lines = done.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, done.output)
        assert expected in lines[0], (args, lines[0])


def test_compare_the_same_report_is_unchanged(cli_runner) -> None:
    done = cli_runner.invoke(cli, ["compare", str(GOLDEN), str(GOLDEN), "--fail-on-regression"])
    assert done.exit_code == 0, done.output
    assert "0 regressed, 3 unchanged, 1 incomparable" in done.output  # the failed run


def test_compare_a_slower_run_regresses_and_fails(cli_runner, tmp_path: Path) -> None:
    slower = _variant(tmp_path, "slower", scale=1.5)
    done = cli_runner.invoke(cli, ["compare", str(GOLDEN), str(slower), "--format", "json",
                                   "--fail-on-regression"])
    assert done.exit_code == 1
    pairs = json.loads(done.output)["pairs"]
    assert [p["kind"] for p in pairs[:3]] == ["regressed"] * 3
    assert pairs[0]["verdict"]["ratio"] == pytest.approx(1.5, rel=0.01)
    without = cli_runner.invoke(cli, ["compare", str(GOLDEN), str(slower)])
    assert without.exit_code == 0 and "regressed" in without.output


def test_compare_a_faster_run_improves(cli_runner, tmp_path: Path) -> None:
    faster = _variant(tmp_path, "faster", scale=0.6)
    done = cli_runner.invoke(cli, ["compare", str(GOLDEN), str(faster), "--format", "md",
                                   "--fail-on-regression"])
    assert done.exit_code == 0
    assert done.output.count("| improved |") == 3


def test_compare_refuses_a_different_model_and_shows_why(cli_runner, tmp_path: Path) -> None:
    other = _variant(tmp_path, "other", scale=2.0, model_sha256="f" * 64)
    done = cli_runner.invoke(cli, ["compare", str(GOLDEN), str(other), "--fail-on-regression",
                                   "--format", "json"])
    assert done.exit_code == 0
    pairs = json.loads(done.output)["pairs"]
    assert {p["kind"] for p in pairs} == {"incomparable"}
    assert "model sha256 differs" in pairs[0]["reason"]


def test_compare_as_a_real_subprocess(tmp_path: Path) -> None:
    slower = _variant(tmp_path, "slower", scale=1.5)
    done = subprocess.run([sys.executable, "-m", "bench", "compare", str(GOLDEN), str(slower),
                           "--fail-on-regression"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "regressed" in done.stdout
