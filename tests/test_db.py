"""The one SQLite helper: real files, made by the edgebench of before schema versions
(``tests/legacy_db/``, see ``make_legacy_dbs.py``), migrated by today's code; files of a
newer edgebench, of another kind, or not databases at all, refused in one line."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bench import db
from bench.ci import history
from bench.errors import UsageError
from bench.lab.batch.journal import SCHEMA as JOURNAL
from bench.lab.batch.journal import Journal
from bench.lab.catalog.site import write_site
from bench.lab.catalog.store import SCHEMA as CATALOG
from bench.lab.catalog.store import Catalog
from bench.result.contract import load_report, render_json

LEGACY = Path(__file__).parent / "legacy_db"


def legacy(name: str, tmp_path: Path) -> Path:
    copy = tmp_path / name
    shutil.copyfile(LEGACY / name, copy)
    return copy


def header(path: Path) -> tuple[int, int, set[str]]:
    conn = sqlite3.connect(path)
    try:
        names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master")}
        return (conn.execute("PRAGMA user_version").fetchone()[0],
                conn.execute("PRAGMA application_id").fetchone()[0], names)
    finally:
        conn.close()


def test_the_legacy_files_are_unversioned() -> None:
    for name in ("history.sqlite", "catalog.sqlite", "journal.sqlite"):
        version, tag, _ = header(LEGACY / name)
        assert (version, tag) == (0, 0), name


def test_a_legacy_history_is_migrated_and_keeps_its_series(tmp_path: Path) -> None:
    path = legacy("history.sqlite", tmp_path)
    keys = history.series_keys(path)
    assert [k.label() for k in keys] == ["tiny_mlp fp32 single-stream"]
    assert [p.commit[0] for p in history.series(path, keys[0])] == ["a", "b", "c"]
    assert header(path)[:2] == (history.SCHEMA.version, history.SCHEMA.application_id)


def test_a_legacy_catalog_is_migrated_gets_its_index_and_keeps_its_entries(
        tmp_path: Path) -> None:
    path = legacy("catalog.sqlite", tmp_path)
    with Catalog.open(path) as cat:
        assert [e.device for e in cat.entries()] == ["board-a", "board-b"]
        assert [s.id for s in cat.summaries(tier="smoke")] == []
        assert cat.get(2).certificate.report_sha256 == cat.get(2).report_sha256
    version, tag, names = header(path)
    assert (version, tag) == (CATALOG.version, CATALOG.application_id) and version == 3
    assert "entries_tier" in names


def test_a_migrated_catalog_takes_new_reports_and_its_site_serves_both(
        tmp_path: Path) -> None:
    path = legacy("catalog.sqlite", tmp_path)
    with Catalog.open(path) as cat:
        old = cat.get(1)
        added = cat.add(old.report.model_copy(update={"run_id": "new-run"}))
        assert old.report_file is None  # kept as the old edgebench stored it
        assert added.report_file == render_json(added.report, validate=False)
        site = write_site(cat.stream(), tmp_path / "site").parent
    for entry in (old, added):
        assert load_report(site / "entries" / f"{entry.id}.report.json") == entry.report


def test_a_legacy_journal_resumes_with_its_results(tmp_path: Path) -> None:
    legacy("journal.sqlite", tmp_path)
    journal = Journal.resume(tmp_path, "ab" * 32)
    try:
        assert list(journal.results()) == ["host/tiny_mlp/fp32/single-stream/1"]
        assert journal.attempts() == [("host/tiny_mlp/fp32/single-stream/1", 1000)]
    finally:
        journal.close()
    assert header(tmp_path / "journal.sqlite")[:2] == (1, JOURNAL.application_id)
    with pytest.raises(UsageError, match="the plan differs"):
        Journal.resume(tmp_path, "cd" * 32)


def test_a_new_journal_has_its_tables_and_digest_in_one_step(tmp_path: Path) -> None:
    (tmp_path / "journal.sqlite").write_bytes(b"")  # killed before its first commit
    journal = Journal.resume(tmp_path, "ef" * 32)
    journal.close()
    conn = sqlite3.connect(tmp_path / "journal.sqlite")
    assert conn.execute("SELECT value FROM meta").fetchall() == [("ef" * 32,)]
    conn.close()


def newer(path: Path, schema: db.Schema) -> Path:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.version + 1}")
    conn.close()
    return path


def test_a_database_of_a_newer_edgebench_is_refused_untouched(tmp_path: Path) -> None:
    path = newer(legacy("catalog.sqlite", tmp_path), CATALOG)
    before = path.read_bytes()
    with pytest.raises(UsageError, match=r"schema version 4, newer than edgebench .* \(3\): "
                                         "upgrade edgebench"):
        Catalog.open(path)
    assert path.read_bytes() == before
    newer(legacy("journal.sqlite", tmp_path), JOURNAL)
    with pytest.raises(UsageError, match="batch journal database has schema version 2"):
        Journal.resume(tmp_path, "ab" * 32)


def test_the_cli_refuses_a_newer_history_in_one_line_exit_2(tmp_path: Path) -> None:
    path = newer(legacy("history.sqlite", tmp_path), history.SCHEMA)
    done = subprocess.run([sys.executable, "-m", "bench", "history", "show", "tiny_mlp",
                           "--db", str(path)], capture_output=True, text=True)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "newer than" in done.stderr
    assert "Traceback" not in done.stderr


def test_files_of_another_kind_or_no_database_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not an edgebench catalog database"):
        Catalog.open(legacy("history.sqlite", tmp_path))  # unversioned: by its tables
    stamped = legacy("journal.sqlite", tmp_path)
    Journal.resume(tmp_path, "ab" * 32).close()  # now stamped as a journal
    with pytest.raises(UsageError, match="another kind of file"):
        Catalog.open(stamped)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(UsageError, match="junk.sqlite: not an edgebench history database"):
        history.series_keys(junk)


def test_a_failed_migration_step_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    broken = db.Schema("catalog", CATALOG.application_id, CATALOG.tables,
                       (*CATALOG.migrations, ("CREATE INDEX nope ON no_table (x)",)))
    path = legacy("catalog.sqlite", tmp_path)
    with pytest.raises(UsageError, match="no such table"):
        db.connect(path, broken, db.Pragmas())
    assert header(path)[:2] == (0, 0)
    assert "entries_tier" not in header(path)[2]
