"""SQLite, opened one way: the history (``bench/ci/history.py``), the catalog
(``bench/lab/catalog/store.py``) and a batch's journal (``bench/lab/batch/journal.py``).

A :class:`Schema` names its kind of database, the tables every version of it has, its
``PRAGMA application_id`` (so that a file of another kind is refused rather than grown) and
its migrations: ``migrations[i]`` takes version ``i`` to ``i + 1``, so the current version
is ``len(migrations)``, kept in ``PRAGMA user_version``. Version 1 is the schema edgebench
wrote before it versioned its files (``CREATE ... IF NOT EXISTS``, so it runs as a no-op on
such a file, whose ``user_version`` is 0); later steps only add. A file written by a newer
edgebench (a higher version) is refused in one line, never changed.

Connections are in autocommit mode (``isolation_level=None``); what must be atomic runs in
:func:`transaction` (``BEGIN IMMEDIATE``: it takes the write lock up front and waits for it
up to the busy timeout, so concurrent writers queue instead of failing with "database is
locked"). Each database says which :class:`Pragmas` it needs: WAL for all (readers never
block the writer); ``synchronous=FULL`` where a committed row must survive a power cut (the
catalog; the journal, whose row is the proof that a run's report is on disk).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bench._version import __version__
from bench.errors import UsageError

Step = tuple[str, ...]  # the SQL statements of one migration step


@dataclass(frozen=True)
class Schema:
    kind: str  # for messages: "history", "catalog", "batch journal"
    application_id: int  # a 32-bit tag in the file header
    tables: tuple[str, ...]  # tables every version has: an unversioned file must have them
    migrations: tuple[Step, ...]

    @property
    def version(self) -> int:
        return len(self.migrations)


@dataclass(frozen=True)
class Pragmas:
    synchronous: Literal["FULL", "NORMAL"] = "FULL"
    busy_timeout_s: float = 30.0
    foreign_keys: bool = True


def connect(path: Path, schema: Schema, pragmas: Pragmas,
            on_create: Callable[[sqlite3.Connection], None] | None = None,
            label: str = "") -> sqlite3.Connection:
    """Open (or create) ``path``, set the pragmas and migrate it to ``schema.version``.
    ``on_create`` runs in the transaction that creates the tables of a new file, so a new
    database has its tables and those rows, or nothing. ``label`` prefixes messages (say,
    the option that named the file)."""
    where = f"{label} {path}" if label else str(path)
    try:
        db = sqlite3.connect(path, timeout=pragmas.busy_timeout_s, isolation_level=None)
    except sqlite3.Error as exc:
        raise UsageError(f"{where}: cannot open it as a database ({exc})") from None
    try:
        db.execute(f"PRAGMA busy_timeout = {int(pragmas.busy_timeout_s * 1000)}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute(f"PRAGMA synchronous = {pragmas.synchronous}")
        db.execute(f"PRAGMA foreign_keys = {'ON' if pragmas.foreign_keys else 'OFF'}")
        _migrate(db, where, schema, on_create)
    except sqlite3.DatabaseError as exc:
        db.close()
        raise UsageError(f"{where}: not an edgebench {schema.kind} database ({exc})") from None
    except BaseException:
        db.close()
        raise
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """All of the block's writes or none, holding the write lock from the start."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def version_of(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _check(db: sqlite3.Connection, where: str, schema: Schema) -> int:
    version = version_of(db)
    if version > schema.version:
        raise UsageError(
            f"{where}: this {schema.kind} database has schema version {version}, newer than "
            f"edgebench {__version__} reads ({schema.version}): upgrade edgebench to use it")
    tag = int(db.execute("PRAGMA application_id").fetchone()[0])
    if tag not in (0, schema.application_id):
        raise UsageError(f"{where}: not an edgebench {schema.kind} database (another kind "
                         f"of file, application id {tag:#x})")
    return version


def _migrate(db: sqlite3.Connection, where: str, schema: Schema,
             on_create: Callable[[sqlite3.Connection], None] | None) -> None:
    if _check(db, where, schema) == schema.version:
        return
    with transaction(db):
        version = _check(db, where, schema)  # another process may have migrated it meanwhile
        if version == schema.version:
            return
        tables = {name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version == 0 and tables and not set(schema.tables) <= tables:
            raise UsageError(f"{where}: not an edgebench {schema.kind} database (it has "
                             f"tables {', '.join(sorted(tables))})")
        for step in schema.migrations[version:]:
            for statement in step:
                db.execute(statement)
        db.execute(f"PRAGMA application_id = {schema.application_id}")
        db.execute(f"PRAGMA user_version = {schema.version}")
        if not tables and on_create is not None:
            on_create(db)
