"""The catalog: real SQLite, real processes adding at once, real signatures."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import bench
from bench.errors import SignatureError, UsageError
from bench.lab.catalog import signing
from bench.lab.catalog.store import Catalog, DuplicateReportError
from bench.report import write_report
from bench.result.models import DeviceInfo, Report
from bench.spec import RunSettings


@pytest.fixture(scope="module")
def report() -> Report:
    return bench.run(["tiny_mlp"], device="host",
                     settings=RunSettings(duration_s=0.01, min_queries=3, warmup=1))


def variant(report: Report, n: int, device: str = "board") -> Report:
    return report.model_copy(update={"run_id": f"run-{n:04d}",
                                     "device": DeviceInfo(name=device, category="pc",
                                                          profile="built-in")})


def test_add_list_show_and_refuse_a_duplicate(tmp_path: Path, report: Report) -> None:
    with Catalog.open(tmp_path / "cat.sqlite") as cat:
        first = cat.add(variant(report, 1))
        cat.add(variant(report, 2, "other"))
        with pytest.raises(DuplicateReportError, match="already in the catalog as entry 1"):
            cat.add(variant(report, 1))
        assert [e.device for e in cat.entries()] == ["board", "other"]
        assert cat.entries(category="phone") == []
        assert cat.get(first.id).report.run_id == "run-0001"
        assert first.certificate.report_sha256 == first.report_sha256
        assert first.passed is False  # the smoke tier wants all three tiny models
        with pytest.raises(UsageError, match="no catalog entry 99"):
            cat.get(99)


def test_a_catalog_in_a_missing_folder_is_refused(tmp_path: Path, cli_runner) -> None:
    from bench.cli import cli
    target = tmp_path / "missing" / "cat.sqlite"
    result = cli_runner.invoke(cli, ["catalog", "--catalog", str(target), "list"])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "does not exist" in result.output
    assert not (tmp_path / "missing").exists()


def test_signatures_required_refuse_unsigned_and_tampered(tmp_path: Path,
                                                          report: Report) -> None:
    pair = signing.generate_keys(tmp_path / "lab.key")
    key = signing.load_private_key(pair.private)
    with Catalog.open(tmp_path / "cat.sqlite") as cat:
        cat.require_signatures([pair.public])
        with pytest.raises(SignatureError, match="not signed"):
            cat.add(variant(report, 1))
        signed = signing.sign_report(variant(report, 2), key)
        assert cat.add(signed).signed_by == pair.fingerprint
        tampered = signed.model_copy(update={"run_id": "run-0003"})
        with pytest.raises(SignatureError, match="does not match"):
            cat.add(tampered)
        assert cat.count() == 1


def test_cli_catalog_add_refuses_a_byte_flipped_signed_report(
        tmp_path: Path, report: Report) -> None:
    pair = signing.generate_keys(tmp_path / "lab.key")
    path = write_report(signing.sign_report(variant(report, 1),
                                            signing.load_private_key(pair.private)),
                        tmp_path / "r")[0]
    text = path.read_text()
    start = text.index('"queries": ') + len('"queries": ')
    at = text.index(",", start) - 1  # the last digit: flipping it keeps the JSON valid
    path.write_text(text[:at] + str((int(text[at]) + 1) % 10) + text[at + 1:])
    base = [sys.executable, "-m", "bench", "catalog", "--catalog", str(tmp_path / "c.sqlite")]
    subprocess.run([*base, "require-signatures", "--pubkey", str(pair.public)], check=True,
                   capture_output=True)
    refused = subprocess.run([*base, "add", str(path)], capture_output=True, text=True)
    assert refused.returncode == 1 and "does not match the content" in refused.stderr
    listed = subprocess.run([*base, "list", "--json"], capture_output=True, text=True)
    assert json.loads(listed.stdout) == []


def test_four_processes_add_fifty_reports_each(tmp_path: Path, report: Report) -> None:
    catalog = tmp_path / "shared.sqlite"  # does not exist yet: the four race to create it
    batches = []
    for p in range(4):
        folder = tmp_path / f"p{p}"
        paths = [write_report(variant(report, p * 50 + i, f"dev-{p}"), folder / str(i),
                              formats=("json",))[0] for i in range(50)]
        batches.append(paths)
    procs = [subprocess.Popen([sys.executable, "-m", "bench", "catalog", "--catalog",
                               str(catalog), "add", *map(str, paths)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for paths in batches]
    outputs = [proc.communicate(timeout=300) for proc in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err
        assert "locked" not in err
        assert out.count("added ") == 50
    db = sqlite3.connect(catalog)
    assert db.execute("SELECT COUNT(*), COUNT(DISTINCT report_sha256) FROM entries"
                      ).fetchone() == (200, 200)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_export_csv_and_json(tmp_path: Path, report: Report, cli_runner) -> None:
    from bench.cli import cli
    with Catalog.open(tmp_path / "cat.sqlite") as cat:
        cat.add(variant(report, 1, "a,b \"quoted\""))
    base = ["catalog", "--catalog", str(tmp_path / "cat.sqlite"), "export", "--format"]
    csv_out = cli_runner.invoke(cli, [*base, "csv"])
    assert csv_out.exit_code == 0
    import csv as csv_module
    rows = list(csv_module.DictReader(csv_out.output.splitlines()))
    assert rows[0]["device"] == 'a,b "quoted"' and rows[0]["id"] == "1"
    json_out = json.loads(cli_runner.invoke(cli, [*base, "json"]).output)
    assert json_out[0]["report"]["run_id"] == "run-0001"
    assert json_out[0]["certificate"]["tier"] == "smoke"
