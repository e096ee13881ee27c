"""The catalog: an SQLite database of certified reports (``bench.db``: WAL, full sync;
writers take the write lock up front and wait for it up to the busy timeout, so several
processes can add at once and none fails with "database is locked").

An entry is a validated report, its certificate (the verdict recomputed here, at the
highest tier it passes) and who signed it. The same report content is never added twice.
Every column a lookup or a ``list`` filter uses has an index (report_sha256, category,
tier), so adding one report costs O(log n) however large the catalog; ``summaries`` lists
without parsing any report, and ``stream`` hands out entries one at a time.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import platformdirs

from bench import db
from bench.errors import UsageError
from bench.files import file_sha256
from bench.lab.catalog import signing
from bench.lab.catalog.certificate import Certificate, build_certificate
from bench.lab.catalog.criteria import load_criteria
from bench.lab.catalog.verdict import best_tier, evaluate
from bench.result.contract import render_json
from bench.result.models import Report
from bench.spec.criteria import CriteriaSpec

BUSY_TIMEOUT_S = 60.0

SCHEMA = db.Schema("catalog", 0x45424341, ("settings", "trusted_keys", "entries"), (
    # 1: the catalog of edgebench before its files had versions
    ("CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
     "CREATE TABLE IF NOT EXISTS trusted_keys (fingerprint TEXT PRIMARY KEY,"
     " pem TEXT NOT NULL)",
     "CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY AUTOINCREMENT,"
     " report_sha256 TEXT NOT NULL UNIQUE, run_id TEXT NOT NULL, device TEXT NOT NULL,"
     " category TEXT NOT NULL, precisions TEXT NOT NULL, tier TEXT,"
     " passed INTEGER NOT NULL, signed_by TEXT, added_at TEXT NOT NULL,"
     " report TEXT NOT NULL, certificate TEXT NOT NULL)",
     "CREATE INDEX IF NOT EXISTS entries_category ON entries (category, tier)"),
    # 2: "list --tier" without a category is a lookup too
    ("CREATE INDEX IF NOT EXISTS entries_tier ON entries (tier)",),
    # 3: ``report`` may hold the bytes of report.json itself (1), so that a site copies
    # them instead of rendering each report again; older rows keep compact JSON (0)
    ("ALTER TABLE entries ADD COLUMN report_is_file INTEGER NOT NULL DEFAULT 0",),
))
PRAGMAS = db.Pragmas(synchronous="FULL", busy_timeout_s=BUSY_TIMEOUT_S)
_STORED = ("report_sha256, run_id, device, category, precisions, tier, passed, signed_by, "
           "added_at, report, certificate, report_is_file")
_FULL = "report, certificate, report_is_file"
_COLUMNS = ("id, device, category, precisions, tier, passed, signed_by, run_id, added_at, "
            "report_sha256")


class DuplicateReportError(UsageError):
    """The catalog already holds a report with the same content."""


@dataclass(frozen=True)
class Summary:
    """An entry without its report: what ``list`` and ``export --format csv`` show."""

    id: int
    device: str
    category: str
    precisions: tuple[str, ...]
    tier: str | None
    passed: bool
    signed_by: str | None
    run_id: str
    added_at: str
    report_sha256: str

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Summary:
        id_, device, category, precisions, tier, passed, signed_by, run_id, added_at, digest = row
        return cls(id_, device, category, tuple(precisions.split(",")), tier, bool(passed),
                   signed_by, run_id, added_at, digest)


@dataclass(frozen=True)
class Entry(Summary):
    report: Report
    certificate: Certificate
    report_file: bytes | None = None  # the bytes of report.json, when the catalog kept them

    def summary(self) -> Summary:
        return Summary(**{f.name: getattr(self, f.name) for f in fields(Summary)})


def default_path() -> Path:
    return platformdirs.user_data_path("edgebench", ensure_exists=True) / "catalog.sqlite"


class Catalog:
    """A catalog database; :meth:`open` creates it (in an existing folder) when missing."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._db = conn
        self.path = path

    @classmethod
    def open(cls, path: Path | None = None) -> Catalog:
        path = path or default_path()
        if not path.parent.is_dir():
            raise UsageError(f"--catalog {path}: folder {path.parent} does not exist; "
                             "create it first")
        if path.exists() and not path.is_file():
            raise UsageError(f"--catalog {path}: not a file")
        return cls(db.connect(path, SCHEMA, PRAGMAS, label="--catalog"), path)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # settings -----------------------------------------------------------------------------
    def require_signatures(self, public_keys: list[Path]) -> list[str]:
        """From now on, ``add`` accepts only reports signed by one of these keys (added to
        those trusted already); returns the fingerprints."""
        keys = [(signing.fingerprint(k), p.read_text()) for p, k in
                ((p, signing.load_public_key(p)) for p in public_keys)]
        with db.transaction(self._db):
            self._db.execute("INSERT OR REPLACE INTO settings VALUES ('require_signatures', '1')")
            self._db.executemany("INSERT OR REPLACE INTO trusted_keys VALUES (?, ?)", keys)
        return [f for f, _ in keys]

    def requires_signatures(self) -> bool:
        row = self._db.execute(
            "SELECT value FROM settings WHERE name = 'require_signatures'").fetchone()
        return bool(row and row[0] == "1")

    def _trusted_keys(self) -> list[object]:
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
        rows = self._db.execute("SELECT pem FROM trusted_keys").fetchall()
        return [load_pem_public_key(pem.encode()) for (pem,) in rows]

    # entries ------------------------------------------------------------------------------
    def add(self, report: Report, source: str = "report") -> Entry:
        """Verify (when required), judge and store a report; refuses a duplicate."""
        return self.get(self.add_all([(report, source)])[0].id)

    def add_all(self, reports: Iterable[tuple[Report, str]]) -> list[Summary]:
        """Add (report, source) pairs in one transaction: all of them or, when one is
        refused (unsigned, a duplicate, unreadable), none. Each is judged as it comes, so
        memory does not grow with the count."""
        keys = self._trusted_keys() if self.requires_signatures() else None
        criteria: dict[str, tuple[CriteriaSpec, Path, str]] = {}
        now = datetime.now(timezone.utc)
        added = []
        with db.transaction(self._db):
            for report, source in reports:
                row = self._judge(report, source, keys, criteria, now)
                found = self._db.execute("SELECT id FROM entries WHERE report_sha256 = ?",
                                         (row[0],)).fetchone()
                if found:
                    raise DuplicateReportError(f"{source}: already in the catalog as entry "
                                               f"{found[0]} (same content)")
                cursor = self._db.execute(
                    f"INSERT INTO entries ({_STORED}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                    row)
                added.append(Summary.from_row((cursor.lastrowid, *row[2:8], row[1], row[8],
                                               row[0])))
        return added

    @staticmethod
    def _judge(report: Report, source: str, keys: list[object] | None,
               criteria: dict[str, tuple[CriteriaSpec, Path, str]],
               now: datetime) -> tuple[Any, ...]:
        """The row of a report: verified (when keys are given), judged with the built-in
        criteria of its category (read once per category), its certificate built."""
        signed_by = signing.verify_report(report, keys, source) if keys is not None else None
        category = report.device.category
        if category not in criteria:
            spec, path = load_criteria(None, category)
            criteria[category] = (spec, path, file_sha256(path))
        spec, path, spec_sha = criteria[category]
        tier = best_tier(report, spec)
        evaluation = evaluate(report, spec, tier)
        cert = build_certificate(report, evaluation, path.name, spec_sha, now)
        if signed_by is None and report.signature is not None:
            signed_by = report.signature.public_key_fingerprint
        return (cert.report_sha256, report.run_id, report.device.name, category,
                ",".join(sorted({r.precision for r in report.results})), tier,
                int(evaluation.passed), signed_by, now.isoformat(timespec="seconds"),
                render_json(report, validate=False), cert.model_dump_json())

    def _where(self, category: str | None, tier: str | None,
               ids: tuple[int, int] | None = None) -> tuple[str, list[str | int]]:
        query, args = " WHERE 1 = 1", []
        if ids:
            query, args = query + " AND id BETWEEN ? AND ?", [*ids]
        if category:
            query, args = query + " AND category = ?", [*args, category]
        if tier:
            query, args = query + " AND tier = ?", [*args, tier]
        return query + " ORDER BY id", args

    def summaries(self, category: str | None = None, tier: str | None = None) -> list[Summary]:
        """The entries without their reports: no JSON is parsed."""
        where, args = self._where(category, tier)
        return [Summary.from_row(row)
                for row in self._db.execute(f"SELECT {_COLUMNS} FROM entries{where}", args)]

    def stream(self, category: str | None = None, tier: str | None = None,
               ids: tuple[int, int] | None = None) -> Iterator[Entry]:
        """The entries with their reports (those with ids from ``ids[0]`` to ``ids[1]``),
        one at a time (a site of 20,000 never holds them all)."""
        where, args = self._where(category, tier, ids)
        cursor = self._db.execute(f"SELECT {_COLUMNS}, {_FULL} FROM entries"
                                  f"{where}", args)
        return (_entry(row) for row in cursor)

    def entries(self, category: str | None = None, tier: str | None = None) -> list[Entry]:
        return list(self.stream(category, tier))

    def get(self, entry_id: int) -> Entry:
        row = self._db.execute(f"SELECT {_COLUMNS}, {_FULL} FROM entries "
                               "WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise UsageError(f"no catalog entry {entry_id} in {self.path}; see 'edgebench "
                             "catalog list'")
        return _entry(row)

    def ids(self) -> list[int]:
        return [i for (i,) in self._db.execute("SELECT id FROM entries ORDER BY id")]

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    def integrity(self) -> str:
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])


def _entry(row: tuple[Any, ...]) -> Entry:
    report, certificate, is_file = row[-3:]
    return Entry(*vars(Summary.from_row(row[:-3])).values(),
                 report=Report.model_validate_json(report),
                 certificate=Certificate.model_validate(json.loads(certificate)),
                 report_file=bytes(report) if is_file else None)
