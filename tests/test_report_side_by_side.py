"""`edgebench report A.json B.json C.json`: the side-by-side page against a committed golden
file, its verdicts and reasons (from bench.result.compare), and its bad input.

Regenerate the golden file after an intended change (and read the diff):
EDGEBENCH_UPDATE_GOLDEN=1 python -m pytest tests/test_report_side_by_side.py
The three reports come from tests/golden/side_by_side/make_reports.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cli import cli
from bench.report.side_by_side import side_by_side
from bench.report.side_by_side_page import render_html, render_markdown
from bench.result.contract import load_report, render_json, seal

HERE = Path(__file__).parent / "golden" / "side_by_side"
REPORTS = [HERE / f"{name}.json" for name in "abc"]
GOLDEN = HERE / "expected.side-by-side.md"
UPDATE = os.environ.get("EDGEBENCH_UPDATE_GOLDEN") == "1"
MARKUP = "<script>window.__pwned = 1</script><b>bold</b>"
_SVG = re.compile(r"<svg.*?</svg>", re.S)


def _args(*extra: str) -> list[str]:
    return ["report", *map(str, REPORTS), "--reference", str(REPORTS[0]), *extra]


def test_markdown_matches_the_golden_file(cli_runner, monkeypatch) -> None:
    monkeypatch.chdir(HERE)  # the page names each file as given
    done = cli_runner.invoke(cli, ["report", "a.json", "b.json", "c.json", "--reference",
                                   "a.json", "--format", "md"])
    assert done.exit_code == 0, done.output
    if UPDATE:
        GOLDEN.write_text(done.output, encoding="utf-8")
    assert done.output == GOLDEN.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page():
    reports = [(str(p), load_report(p)) for p in REPORTS]
    return side_by_side(reports, reference=reports[0][1])


def test_cells_carry_compare_verdicts_and_reasons(page) -> None:
    kinds = {w.key[0]: [c.kind for c in w.cells] for w in page.workloads}
    assert kinds["tiny_cnn"] == ["base", "faster", "slower"]
    assert kinds["tiny_mlp"] == ["base", "faster", "incomparable"]  # C: other model bytes
    assert kinds["broken<script>alert(1)</script>"] == ["failed", "incomparable",
                                                        "incomparable"]
    cnn = next(w for w in page.workloads if w.key[0] == "tiny_cnn")
    assert cnn.cells[1].ratio == pytest.approx(0.6, rel=0.01)
    assert cnn.cells[1].verdict_text == "1.67× faster"
    assert cnn.cells[2].verdict_text == "1.50× slower"
    mlp = next(w for w in page.workloads if w.key[0] == "tiny_mlp")
    assert "model sha256 differs" in mlp.cells[2].explanation
    assert mlp.cells[2].ratio is None  # no ratio across a mismatch
    assert [round(s.score) for s in page.scores[0].scores] == [1000, 1667, 667]
    assert page.scores[0].scores[2].partial


def test_a_workload_missing_from_a_column_says_so(page) -> None:
    a, b = (load_report(p) for p in REPORTS[:2])
    fewer = b.model_copy(update={"results": b.results[:1]})
    extra = b.model_copy(update={"results": [*b.results, b.results[0].model_copy(
        update={"model": "only_in_b"})]})
    laid = side_by_side([("a", a), ("b", fewer), ("c", extra)])
    kinds = {w.key[0]: [c.kind for c in w.cells] for w in laid.workloads}
    assert kinds["tiny_mlp"] == ["base", "missing", "faster"]
    assert kinds["only_in_b"] == ["missing", "missing", "incomparable"]
    only = next(w for w in laid.workloads if w.key[0] == "only_in_b")
    assert only.cells[2].explanation == "not in the first report (A)"
    assert "not in this report" in render_markdown(laid)


def test_html_is_self_contained_and_escapes_markup(page) -> None:
    html = render_html(page)
    assert "default-src 'none'" in html and "<script" not in html
    assert "broken&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"https?://", _SVG.sub("", html))
    assert html.count('class="chart-row ') >= 9  # a dot per report for three workloads


def _hostile(tmp_path: Path) -> list[Path]:
    paths = []
    for i, source in enumerate(REPORTS[:2]):
        report = load_report(source)
        report = report.model_copy(update={
            "device": report.device.model_copy(update={"name": MARKUP, "profile": MARKUP}),
            "results": [r.model_copy(update={"model": MARKUP}) for r in report.results]})
        paths.append(tmp_path / f"hostile{i}.json")
        paths[-1].write_bytes(render_json(seal(report)))
    return paths


def test_hostile_model_and_profile_names_stay_inert_in_both_formats(cli_runner,
                                                                    tmp_path: Path) -> None:
    paths = [str(p) for p in _hostile(tmp_path)]
    md = cli_runner.invoke(cli, ["report", *paths, "--format", "md"])
    html = cli_runner.invoke(cli, ["report", *paths, "--format", "html"])
    assert md.exit_code == 0 and html.exit_code == 0, md.output + html.output
    for text in (md.output, html.output):
        assert "<script>" not in text and "<b>" not in text
        assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in text


def _not_a_report(tmp_path: Path) -> Path:
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"benchmarks": [1, 2, 3]}))
    return path


def test_bad_input_is_one_line_naming_the_file_exit_2_nothing_written(cli_runner,
                                                                      tmp_path: Path) -> None:
    out = tmp_path / "out.html"
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "report.json").write_bytes(REPORTS[0].read_bytes())
    stray = _not_a_report(tmp_path)
    cases = [
        (["report", "-o", str(out)], "give a REPORT.json"),
        (["report", str(folder), "-o", str(out)], f"{folder}: is a folder"),
        (["report", str(REPORTS[0]), str(folder), "--format", "html", "-o", str(out)],
         f"did you mean {folder / 'report.json'}"),
        (["report", str(REPORTS[0]), str(stray), str(REPORTS[1]), "--format", "html",
          "-o", str(out)], f"{stray}: field schema_version"),
        (["report", *map(str, REPORTS), "--format", "csv", "-o", str(out)],
         "side-by-side page of several reports is html or md"),
    ]
    for args, expected in cases:
        done = cli_runner.invoke(cli, args)
        assert done.exit_code == 2, (args, done.output)
        lines = done.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, done.output)
        assert expected in lines[0], (args, lines[0])
        assert not out.exists() and not [p for p in tmp_path.iterdir()
                                          if p.name.startswith(".")]


def test_a_folder_output_gets_the_pages_file_name_as_a_real_subprocess(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bench", *_args("--format", "html", "-o",
                                                                 str(tmp_path))],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "side-by-side.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "3 reports side by side" in page
