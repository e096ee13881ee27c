"""The batch journal: SQLite (``bench.db``) in WAL mode with full sync, one row per finished run.

A row is committed (and synced) only after the run's outputs are on disk, so after a
kill -9 or a power cut the journal says exactly which runs have a result; ``--resume``
runs the others. Every start is recorded too (``attempts``), which is how a test proves
that no run is started again once it has a result.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bench import db
from bench.errors import UsageError

JOURNAL_NAME = "journal.sqlite"

SCHEMA = db.Schema("batch journal", 0x45424A4E, ("meta", "attempts", "results"), (
    # 1: the journal of edgebench before its files had versions
    ("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
     "CREATE TABLE IF NOT EXISTS attempts (id INTEGER PRIMARY KEY AUTOINCREMENT,"
     " key TEXT NOT NULL, started_ns INTEGER NOT NULL)",
     "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY,"
     " status TEXT NOT NULL CHECK (status IN ('ok', 'failed')), cause TEXT, report TEXT,"
     " started_ns INTEGER NOT NULL, finished_ns INTEGER NOT NULL, duration_s REAL NOT NULL)"),
))
# Every row is committed on its own and synced (FULL): the journal's durability is its point.
PRAGMAS = db.Pragmas(synchronous="FULL", busy_timeout_s=30.0)


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
    def _connect(path: Path, digest: str) -> sqlite3.Connection:
        if not digest.isalnum():
            raise ValueError(f"plan digest must be hex, got {digest!r}")

        def record_plan(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO meta VALUES ('plan_digest', ?)", (digest,))

        # A new journal gets its tables and its plan digest in one transaction, or nothing
        return db.connect(path, SCHEMA, PRAGMAS, on_create=record_plan)

    @classmethod
    def create(cls, folder: Path, digest: str) -> Journal:
        path = folder / JOURNAL_NAME
        if path.exists():
            raise UsageError(f"{folder} already holds a batch journal: pass --resume to "
                             "continue that batch, or choose another --out")
        folder.mkdir(parents=True, exist_ok=True)
        return cls(cls._connect(path, digest), path)

    @classmethod
    def resume(cls, folder: Path, digest: str) -> Journal:
        """Continue the journal in ``folder``; one killed before its first commit (no
        tables yet: nothing ran) begins now, and none at all is created."""
        path = folder / JOURNAL_NAME
        if not path.is_file():  # killed before it began, or never started: begin now
            return cls.create(folder, digest)
        conn = cls._connect(path, digest)
        row = conn.execute("SELECT value FROM meta WHERE name = 'plan_digest'").fetchone()
        if row is None or row[0] != digest:
            conn.close()
            raise UsageError(f"--resume: the plan differs from the one {folder} was started "
                             "with; resume with the same plan, or choose another --out")
        return cls(conn, path)

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
