"""The model corpus (tests/corpus/): each real file runs single-stream and writes a valid
report. The default run holds the files CI can have (committed, shipped by onnx and
onnxruntime, or made from those by onnxruntime's tools); ``-m corpus`` runs them all."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import onnx
import pytest
from click.testing import CliRunner

from bench.cli import cli
from bench.result.contract import load_report
from tests.corpus.build import make
from tests.corpus.catalog import CLS, ENTRIES, Entry, Unavailable, get

FAST = ["--duration", "0.05", "--min-queries", "5", "--warmup", "1"]
DEFAULT = [e for e in ENTRIES if e.default]
ORT_LINE = re.compile(r"\[[VIWEF]:onnxruntime:|Removing initializer")


def _file(entry: Entry) -> Path:
    try:
        return make(entry)
    except Unavailable as exc:
        pytest.skip(f"{entry.name}: {exc}")


def _run(entry: Entry, out: Path) -> None:
    result = CliRunner().invoke(cli, ["run", str(_file(entry)), *entry.args, *FAST,
                                      "--out", str(out), "--json"])
    if entry.error is not None:
        assert result.exit_code == 2 and entry.error in result.output, result.output
        assert len(result.output.strip().splitlines()) <= 2 and not out.exists()
        return
    assert result.exit_code == 0, result.output
    report = load_report(out / "report.json")  # valid against the contract, hash verified
    (res,) = report.results
    assert res.status == "ok" and res.queries >= 5, res.error
    assert list(res.input_shapes) == [i.name for i in _inputs(_file(entry))]
    if entry.warns is not None:
        assert entry.warns in {w.source for w in res.warnings}, res.warnings


def _inputs(path: Path) -> list[onnx.ValueInfoProto]:
    model = onnx.load(str(path), load_external_data=False)
    initializers = {i.name for i in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in initializers]


@pytest.mark.parametrize("entry", DEFAULT, ids=[e.name for e in DEFAULT])
def test_default_corpus_file_runs_and_writes_a_valid_report(entry: Entry, tmp_path) -> None:
    _run(entry, tmp_path / "out")


@pytest.mark.corpus
@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_corpus_file_runs_and_writes_a_valid_report(entry: Entry, tmp_path) -> None:
    _run(entry, tmp_path / "out")


def test_the_corpus_has_twelve_files_from_five_producers() -> None:
    producers = {e.producer.split(" (")[0].split(" ")[0] for e in ENTRIES}
    assert len(ENTRIES) >= 12 and len(producers) >= 5, producers


def _kinds(path: Path) -> set[str]:
    model = onnx.load(str(path))
    kinds = set()
    for value in _inputs(path):
        t = value.type.tensor_type
        kinds |= {"minus-one dim"} if any(d.dim_value < 0 for d in t.shape.dim) else set()
        kinds |= {{onnx.TensorProto.FLOAT16: "float16 input",
                   onnx.TensorProto.STRING: "string input"}.get(t.elem_type, "")}
    if any(n.domain == "com.microsoft" for n in model.graph.node):
        kinds.add("contrib op")
    if any(n.op_type == "ZipMap" and n.domain == "ai.onnx.ml" for n in model.graph.node):
        kinds.add("ZipMap")
    return kinds - {""}


def test_the_default_run_holds_the_five_kinds_ci_must_cover() -> None:
    """Checked on the files themselves, not on their names."""
    found = set().union(*(_kinds(_file(e)) for e in DEFAULT))
    assert {"minus-one dim", "contrib op", "ZipMap", "float16 input", "string input"} <= found


def test_onnxruntime_log_stays_off_the_terminal_and_goes_to_the_report(tmp_path) -> None:
    """A real process, so that what onnxruntime writes to fd 2 is what the user would see."""
    model = _file(get("light_resnet50"))
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "bench", "run", str(model), *FAST,
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert not ORT_LINE.search(done.stdout + done.stderr), done.stderr
    assert "[1/1] light_resnet50" in done.stderr  # edgebench's own progress line still shows
    (res,) = json.loads((out / "report.json").read_text())["results"]
    warned = [w for w in res["warnings"] if w["source"] == "onnxruntime"]
    assert any("Removing initializer" in w["message"] and w["count"] >= 1 for w in warned)
    verbose = subprocess.run([sys.executable, "-m", "bench", "run", str(model), *FAST,
                              "--out", str(tmp_path / "v"), "--verbose"],
                             capture_output=True, text=True, timeout=300)
    assert verbose.returncode == 0 and "Removing initializer" in verbose.stderr


def test_the_unset_dims_error_lists_them_all_and_its_example_works(tmp_path) -> None:
    runner = CliRunner()
    refused = runner.invoke(cli, ["run", str(CLS), *FAST, "--out", str(tmp_path / "no")])
    assert refused.exit_code == 2 and not (tmp_path / "no").exists()
    first, second = refused.output.strip().splitlines()
    assert "2 dynamic dims are unset: x[2], x[3]" in first
    example = second.split("e.g. ", 1)[1].split()
    assert example == ["--shape", "x=1,3,224,224"]
    ran = runner.invoke(cli, ["run", str(CLS), *example, *FAST, "--out", str(tmp_path / "ok")])
    assert ran.exit_code == 0, ran.output
    (res,) = load_report(tmp_path / "ok" / "report.json").results
    assert [(d.input, d.axis, d.dim, d.size) for d in res.defaulted_dims] == []  # all given


def test_a_dim_flag_that_names_no_dim_is_one_line(tmp_path) -> None:
    result = CliRunner().invoke(cli, ["run", str(CLS), "--dim", "x=1", *FAST, "--out",
                                      str(tmp_path)])
    assert result.exit_code == 2 and not tmp_path.joinpath("report.json").exists()
    assert "--dim x=...: model 'ppocr_cls_mobile_v2' has no dynamic dim named 'x' " \
           "(named dims: none)" in result.output


def test_inspect_never_negative_and_names_what_depends_on_unbound_dims(cli_runner) -> None:
    result = cli_runner.invoke(cli, ["models", "inspect", str(CLS), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    counts = [data["params"], data["macs"], data["flops"], *data["macs_by_op"].values()]
    assert all(c >= 0 for c in counts) and data["macs"] > 0 and data["params"] > 100_000
    assert data["defaulted_dims"] == {"x[0]": 1}
    assert data["assumed_dims"] == {"x[2]": 224, "x[3]": 224}
    assert data["depends_on"]["MACs"] == ["x[2]", "x[3]"]
    assert data["depends_on"]["MACs Conv"] == ["x[2]", "x[3]"]
    text = cli_runner.invoke(cli, ["models", "inspect", str(CLS), "--shape", "x=1,3,48,192"])
    assert "depends on" not in text.output and "-" not in text.output.split("input")[0]
    bigger = json.loads(cli_runner.invoke(cli, ["models", "inspect", str(CLS), "--shape",
                                                "x=1,3,96,192", "--json"]).output)
    smaller = json.loads(cli_runner.invoke(cli, ["models", "inspect", str(CLS), "--shape",
                                                 "x=1,3,48,192", "--json"]).output)
    assert bigger["macs"] > smaller["macs"] > 0
