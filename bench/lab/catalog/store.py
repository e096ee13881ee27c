"""The catalog: an SQLite database of certified reports (WAL mode; writers take the write
lock up front with ``BEGIN IMMEDIATE`` and wait for it up to the busy timeout, so several
processes can add at once and none fails with "database is locked").

An entry is a validated report, its certificate (the verdict recomputed here, at the
highest tier it passes) and who signed it. The same report content is never added twice.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import platformdirs

from bench.errors import UsageError
from bench.files import file_sha256
from bench.lab.catalog import signing
from bench.lab.catalog.certificate import Certificate, build_certificate, report_sha256
from bench.lab.catalog.criteria import load_criteria
from bench.lab.catalog.verdict import best_tier, evaluate
from bench.result.models import Report

BUSY_TIMEOUT_S = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS trusted_keys (fingerprint TEXT PRIMARY KEY, pem TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_sha256 TEXT NOT NULL UNIQUE,
    run_id TEXT NOT NULL,
    device TEXT NOT NULL,
    category TEXT NOT NULL,
    precisions TEXT NOT NULL,
    tier TEXT,
    passed INTEGER NOT NULL,
    signed_by TEXT,
    added_at TEXT NOT NULL,
    report TEXT NOT NULL,
    certificate TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS entries_category ON entries (category, tier);
"""


class DuplicateReportError(UsageError):
    """The catalog already holds a report with the same content."""


@dataclass(frozen=True)
class Entry:
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
    report: Report
    certificate: Certificate


def default_path() -> Path:
    return platformdirs.user_data_path("edgebench", ensure_exists=True) / "catalog.sqlite"


class Catalog:
    """A catalog database; :meth:`open` creates it (in an existing folder) when missing."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self.path = path

    @classmethod
    def open(cls, path: Path | None = None) -> Catalog:
        path = path or default_path()
        if not path.parent.is_dir():
            raise UsageError(f"--catalog {path}: folder {path.parent} does not exist; "
                             "create it first")
        if path.exists() and not path.is_file():
            raise UsageError(f"--catalog {path}: not a file")
        try:
            db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} COMMIT;")
        except sqlite3.DatabaseError as exc:
            raise UsageError(f"--catalog {path}: not a catalog database ({exc})") from None
        return cls(db, path)

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
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute("INSERT OR REPLACE INTO settings VALUES ('require_signatures', '1')")
            self._db.executemany("INSERT OR REPLACE INTO trusted_keys VALUES (?, ?)", keys)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
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
        signed_by = None
        if self.requires_signatures():
            signed_by = signing.verify_report(report, self._trusted_keys(), source)
        criteria, path = load_criteria(None, report.device.category)
        tier = best_tier(report, criteria)
        evaluation = evaluate(report, criteria, tier)
        now = datetime.now(timezone.utc)
        digest = report_sha256(report)
        cert = build_certificate(report, evaluation, path.name,
                                 file_sha256(path), now)
        precisions = sorted({r.precision for r in report.results})
        row = (digest, report.run_id, report.device.name, report.device.category,
               ",".join(precisions), tier, int(evaluation.passed),
               signed_by or (report.signature.public_key_fingerprint if report.signature
                             else None),
               now.isoformat(timespec="seconds"), report.model_dump_json(),
               cert.model_dump_json())
        self._db.execute("BEGIN IMMEDIATE")
        try:
            found = self._db.execute("SELECT id FROM entries WHERE report_sha256 = ?",
                                     (digest,)).fetchone()
            if found:
                raise DuplicateReportError(f"{source}: already in the catalog as entry "
                                           f"{found[0]} (same content)")
            cursor = self._db.execute(
                "INSERT INTO entries (report_sha256, run_id, device, category, precisions, "
                "tier, passed, signed_by, added_at, report, certificate) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return self.get(int(cursor.lastrowid or 0))

    def entries(self, category: str | None = None, tier: str | None = None) -> list[Entry]:
        query, args = "SELECT * FROM entries WHERE 1 = 1", []
        if category:
            query, args = query + " AND category = ?", [*args, category]
        if tier:
            query, args = query + " AND tier = ?", [*args, tier]
        return [_entry(row) for row in self._db.execute(query + " ORDER BY id", args)]

    def get(self, entry_id: int) -> Entry:
        row = self._db.execute("SELECT * FROM entries WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise UsageError(f"no catalog entry {entry_id} in {self.path}; see 'edgebench "
                             "catalog list'")
        return _entry(row)

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    def integrity(self) -> str:
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])



def _entry(row: tuple) -> Entry:  # type: ignore[type-arg]
    (id_, digest, run_id, device, category, precisions, tier, passed, signed_by, added_at,
     report, certificate) = row
    return Entry(id_, device, category, tuple(precisions.split(",")), tier, bool(passed),
                 signed_by, run_id, added_at, digest, Report.model_validate_json(report),
                 Certificate.model_validate(json.loads(certificate)))
