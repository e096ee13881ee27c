"""Outputs on a read-only file system, under a regular file and on a full disk, for real:
a tmpfs mounted inside the test (remounted read-only, or filled to the brim), skipped with
the reason where this process cannot mount. Every command that writes refuses such a path
before it measures or writes anything (one line, exit 2, nothing left); a run whose disk
fills during the measurement keeps the measurement elsewhere (exit 1)."""

from __future__ import annotations

import importlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench.cli import cli
from bench.errors import WriteError
from bench.files import check_output, report_bytes, writing
from tests.mounts import Tmpfs

GOLDEN = Path(__file__).parent / "golden" / "report.json"
FAST = ["--duration", "0.05", "--min-queries", "5", "--warmup", "1"]
BIN = Path(sys.executable).with_name("edgebench")


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Tmpfs]]:
    mounted: list[Tmpfs] = []

    def make(size: str = "1m") -> Tmpfs:
        mounted.append(Tmpfs(tmp_path / f"mnt{len(mounted)}", size))
        return mounted[-1]

    yield make
    for fs in mounted:
        fs.unmount()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Inputs the writing commands read: a key, a catalog with an entry, a batch plan."""
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("lab")
    runner = CliRunner()
    assert runner.invoke(cli, ["keys", "generate", "--key", str(folder / "lab.key")]
                         ).exit_code == 0
    catalog = folder / "cat.sqlite"
    assert runner.invoke(cli, ["catalog", "--catalog", str(catalog), "add", str(GOLDEN)]
                         ).exit_code == 0
    plan = folder / "plan.yaml"
    plan.write_text("profiles: [host]\nmodels: [tiny_mlp]\n"
                    "settings: {duration_s: 0.05, min_queries: 5, warmup: 1}\n")
    return {"key": folder / "lab.key", "catalog": catalog, "plan": plan}


# command -> its argv given the output folder T (the output is T itself or a file in it)
COMMANDS: dict[str, Callable[[Path, dict[str, Path]], list[str]]] = {
    "run --out": lambda t, lab: ["run", "tiny_mlp", *FAST, "--out", str(t / "out")],
    "report -o": lambda t, lab: ["report", str(GOLDEN), "--format", "html", "-o",
                                 str(t / "r.html")],
    "certify --out": lambda t, lab: ["certify", str(GOLDEN), "--out", str(t / "cert.json")],
    "sign --out": lambda t, lab: ["sign", str(GOLDEN), "--key", str(lab["key"]), "--out",
                                  str(t / "signed.json")],
    "keys generate --key": lambda t, lab: ["keys", "generate", "--key", str(t / "k.key")],
    "catalog site": lambda t, lab: ["catalog", "--catalog", str(lab["catalog"]), "site",
                                    str(t / "site")],
    "catalog add": lambda t, lab: ["catalog", "--catalog", str(t / "cat.sqlite"), "add",
                                   str(GOLDEN)],
    "history add --db": lambda t, lab: ["history", "add", str(GOLDEN), "--commit", "abc123",
                                        "--db", str(t / "h.sqlite")],
    "batch --out": lambda t, lab: ["batch", str(lab["plan"]), "--out", str(t / "batch")],
    "devices detect --write": lambda t, lab: ["devices", "detect", "--write",
                                              str(t / "p.yaml")],
}
EXPECTED = {"read-only": "is on a read-only file system",
            "not-a-directory": "is a file, not a folder",
            "full": "0 B free on its file system"}


def _target(kind: str, tmp_path: Path, tmpfs: Callable[[str], Tmpfs]) -> tuple[Path, Callable]:
    """The folder to write into, and a function listing what was left there."""
    if kind == "not-a-directory":
        regular = tmp_path / "a-file"
        regular.write_text("not a folder\n")
        return regular, lambda: sorted(p.name for p in tmp_path.iterdir() if p != regular)
    fs = tmpfs("256k")
    if kind == "read-only":
        fs.read_only()
    else:
        fs.fill()
        assert fs.free() == 0
    return fs.path, fs.contents


@pytest.mark.parametrize("kind", sorted(EXPECTED))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_bad_output_is_refused_before_anything_runs(command: str, kind: str, tmp_path: Path,
                                                      tmpfs, lab, cli_runner) -> None:
    target, left = _target(kind, tmp_path, tmpfs)
    before = left()
    result = cli_runner.invoke(cli, COMMANDS[command](target, lab))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.exception is None or \
        isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output  # no progress line: nothing was measured
    assert EXPECTED[kind] in lines[0] and lines[0].startswith("error: ")
    assert left() == before


def test_a_real_process_refuses_a_read_only_out_too(tmpfs) -> None:
    fs = tmpfs("256k")
    fs.read_only()
    done = subprocess.run([str(BIN), "run", "tiny_mlp", *FAST, "--out", str(fs.path / "o")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stdout == "" and done.stderr.count("\n") == 1
    assert "read-only file system" in done.stderr and "Traceback" not in done.stderr


def _run_filling(fs: Tmpfs, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A run that passes the room check and then cannot write its report: its 2 s at a
    few thousand queries a second records far more samples than the estimate counts."""
    fs.fill(leave=report_bytes(1, 5 + 1) + 4096)
    return subprocess.run([str(BIN), "run", "tiny_mlp", "--duration", "2", "--min-queries",
                           "5", "--warmup", "1", "--out", str(fs.path / "out")],
                          capture_output=True, text=True, timeout=300, env=env)


def test_a_disk_that_fills_during_the_run_keeps_the_measurement(tmp_path: Path,
                                                                tmpfs) -> None:
    fs = tmpfs("1m")
    fallback = tmp_path / "tmp"
    fallback.mkdir()
    done = _run_filling(fs, {**os.environ, "TMPDIR": str(fallback)})
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    [error] = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert "No space left on device" in error and "the report was kept in" in error
    kept = Path(error.split("the report was kept in ")[1].split(" instead")[0])
    assert kept.parent.parent == fallback and kept.name == "report.json"
    from bench.result.contract import load_report

    report = load_report(kept)  # whole, sealed, every sample there
    assert report.results[0].status == "ok" and len(report.results[0].samples_ns) > 5
    assert (kept.parent / "report.md").is_file()
    assert fs.contents() == []  # no partial file, and the folder it made is gone
    assert f"report: {kept}" in done.stdout


def test_with_no_folder_left_the_report_is_printed_as_json(tmpfs, monkeypatch,
                                                          cli_runner) -> None:
    """The fallback folders are read-only too (the temporary folder cannot be: the test's
    own processes need it, so the list of places points at a read-only tmpfs)."""
    fs, elsewhere = tmpfs("1m"), tmpfs("64k")
    elsewhere.read_only()
    module = importlib.import_module("bench.cli.run")  # bench.cli.run is also the command
    monkeypatch.setattr(module, "fallback_dirs", lambda name: [elsewhere.path / name])
    fs.fill(leave=report_bytes(1, 5 + 1) + 4096)
    result = cli_runner.invoke(cli, ["run", "tiny_mlp", "--duration", "2", "--min-queries", "5",
                                     "--warmup", "1", "--json", "--out", str(fs.path / "out")])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    *printed, error = result.output.strip().splitlines()
    assert "No space left on device" in error and "printed above as JSON" in error
    report = json.loads("\n".join(printed))
    assert report["results"][0]["status"] == "ok" and len(report["results"][0]["samples_ns"]) > 5
    assert fs.contents() == [] and elsewhere.contents() == []


def test_sqlite_that_fills_the_disk_is_a_write_error(tmpfs) -> None:
    fs = tmpfs("256k")
    db_path = fs.path / "h.sqlite"
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE t (blob BLOB)")
    db.commit()
    fs.fill()
    with pytest.raises(WriteError, match=r"--db .*h.sqlite: cannot write: database or disk is "
                                         "full"):
        with writing("--db", db_path):
            with db:
                db.execute("INSERT INTO t VALUES (?)", (bytes(1 << 20),))
    db.close()


def test_check_output_accepts_what_can_be_made_and_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c"
    check_output(target, "--out", 1024, folder=True)
    check_output(target / "report.json", "-o", 1024)
    assert list(tmp_path.iterdir()) == []


def test_check_output_refuses_a_folder_for_a_file_and_too_little_room(tmp_path: Path) -> None:
    from bench.errors import UsageError

    with pytest.raises(UsageError, match="is a directory; name a file"):
        check_output(tmp_path, "--key", 10)
    with pytest.raises(UsageError, match="free on its file system, and this writes about"):
        check_output(tmp_path / "x", "--out", 1 << 62, folder=True)


def test_a_file_that_cannot_be_changed_in_place_is_refused(tmp_path: Path) -> None:
    from bench.errors import UsageError

    if os.geteuid() == 0:
        pytest.skip("root may write any file whatever its mode")
    db = tmp_path / "h.sqlite"
    db.write_bytes(b"")
    db.chmod(0o444)
    with pytest.raises(UsageError, match="the file is not writable"):
        check_output(db, "--db", 10, in_place=True)
