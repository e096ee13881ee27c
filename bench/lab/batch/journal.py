"""The batch journal: SQLite in WAL mode with full sync, one row per finished run.

A row is committed (and synced) only after the run's outputs are on disk, so after a
kill -9 or a power cut the journal says exactly which runs have a result; ``--resume``
runs the others. Every start is recorded too (``attempts``), which is how a test proves
that no run is started again once it has a result.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bench.errors import UsageError

JOURNAL_NAME = "journal.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, started_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY, status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    cause TEXT, report TEXT, started_ns INTEGER NOT NULL, finished_ns INTEGER NOT NULL,
    duration_s REAL NOT NULL);
"""


@dataclass(frozen=True)
class JournalEntry:
    key: str
    status: str
    cause: str | None
    report: str | None
    started_ns: int
    finished_ns: int
    duration_s: float


class Journal:
    """One batch's journal; open with :meth:`create` (refuses an existing journal) or
    :meth:`resume` (continues one, or creates it when there is none yet)."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return db

    @classmethod
    def create(cls, folder: Path, digest: str) -> Journal:
        path = folder / JOURNAL_NAME
        if path.exists():
            raise UsageError(f"{folder} already holds a batch journal: pass --resume to "
                             "continue that batch, or choose another --out")
        folder.mkdir(parents=True, exist_ok=True)
        db = cls._connect(path)
        cls._initialise(db, digest)
        return cls(db, path)

    @staticmethod
    def _initialise(db: sqlite3.Connection, digest: str) -> None:
        if not digest.isalnum():
            raise ValueError(f"plan digest must be hex, got {digest!r}")
        # One transaction: a journal either has its tables and plan digest, or nothing.
        db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} "
                         f"INSERT INTO meta VALUES ('plan_digest', '{digest}'); COMMIT;")

    @classmethod
    def resume(cls, folder: Path, digest: str) -> Journal:
        path = folder / JOURNAL_NAME
        if not path.is_file():  # killed before it began, or never started: begin now
            return cls.create(folder, digest)
        db = cls._connect(path)
        tables = db.execute("SELECT name FROM sqlite_master WHERE name = 'meta'").fetchall()
        if not tables:  # killed before its first commit: nothing ran yet
            cls._initialise(db, digest)
        row = db.execute("SELECT value FROM meta WHERE name = 'plan_digest'").fetchone()
        if row is None or row[0] != digest:
            db.close()
            raise UsageError(f"--resume: the plan differs from the one {folder} was started "
                             "with; resume with the same plan, or choose another --out")
        return cls(db, path)

    def results(self) -> dict[str, JournalEntry]:
        rows = self._db.execute("SELECT key, status, cause, report, started_ns, finished_ns, "
                                "duration_s FROM results").fetchall()
        return {row[0]: JournalEntry(*row) for row in rows}

    def attempts(self) -> list[tuple[str, int]]:
        return self._db.execute("SELECT key, started_ns FROM attempts ORDER BY id").fetchall()

    def record_attempt(self, key: str, started_ns: int) -> None:
        self._db.execute("INSERT INTO attempts (key, started_ns) VALUES (?, ?)",
                         (key, started_ns))

    def record_result(self, entry: JournalEntry) -> None:
        """Commit one finished run; a second result for the same run is a bug and raises."""
        self._db.execute("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (entry.key, entry.status, entry.cause, entry.report, entry.started_ns,
                          entry.finished_ns, entry.duration_s))

    def integrity(self) -> str:
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        self._db.close()
