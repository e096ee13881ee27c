"""CSV formula neutralisation (OWASP): one rule, bench.report.escape.csv_cell, used by
`report --format csv` and `catalog export --format csv`."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from bench.cli import cli
from bench.lab.catalog.store import Catalog
from bench.report.escape import csv_cell
from bench.result.contract import load_report, render_json, seal
from bench.result.models import DeviceInfo

GOLDEN = Path(__file__).parent / "golden" / "report.json"
LINK = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize(("cell", "expected"), [
    (LINK, "'" + LINK),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(1+1)", "'@SUM(1+1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("-1.5", "-1.5"),        # a plain number is not a formula
    ("+3e2", "+3e2"),
    ("-", "'-"),
    ("tiny_cnn", "tiny_cnn"),
    ("a=b", "a=b"),          # only the first character counts
    ("", ""),
    (None, ""),
    (0.25, "0.25"),
    (True, "True"),
])
def test_csv_cell(cell: object, expected: str) -> None:
    assert csv_cell(cell) == expected


def _hostile_report(tmp_path: Path) -> Path:
    report = load_report(GOLDEN)
    results = [report.results[0].model_copy(update={"model": LINK, "error": "@evil"})]
    hostile = report.model_copy(update={
        "results": results, "run_id": "-run",
        "device": DeviceInfo(name="+board", category="pc", profile="built-in")})
    path = tmp_path / "hostile.json"
    path.write_bytes(render_json(seal(hostile)))
    return path


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_report_format_csv_neutralises_a_formula_model_name(tmp_path: Path,
                                                            cli_runner) -> None:
    path = _hostile_report(tmp_path)
    done = cli_runner.invoke(cli, ["report", str(path), "--format", "csv"])
    assert done.exit_code == 0, done.output
    [row] = _rows(done.output)
    assert row["model"] == "'" + LINK
    assert (row["error"], row["run_id"], row["device"]) == ("'@evil", "'-run", "'+board")
    assert row["queries"] == "300" and not row["latency_p50_ms"].startswith("'")
    out = tmp_path / "r.csv"
    assert cli_runner.invoke(cli, ["report", str(path), "--format", "csv", "-o",
                                   str(out)]).exit_code == 0
    assert _rows(out.read_text())[0]["model"].startswith("'=")


def test_catalog_export_csv_neutralises_formula_cells(tmp_path: Path, cli_runner) -> None:
    db = tmp_path / "cat.sqlite"
    with Catalog.open(db) as cat:
        cat.add(load_report(_hostile_report(tmp_path)))
    done = cli_runner.invoke(cli, ["catalog", "--catalog", str(db), "export", "--format",
                                   "csv"])
    assert done.exit_code == 0, done.output
    [row] = _rows(done.output)
    assert (row["device"], row["run_id"]) == ("'+board", "'-run")
    assert row["id"] == "1" and row["category"] == "pc"
