"""Results per commit, in their own SQLite file (WAL), for trend and step detection.

One row per result of a report, keyed by the commit it measured. Commits are ordered by when
they were first added (CI adds them in the order it builds them); a commit measured twice
contributes the median of its results. Only the summary metrics are kept, not the samples:
the report files are the record, this is an index over them.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import platformdirs

from bench.errors import UsageError
from bench.result.models import Report
from bench.stats.changepoints import Step, find_steps

METRICS = ("p50", "p90", "p95", "p99", "mean")
DB_ENV = "EDGEBENCH_HISTORY_DB"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS commits (
    sha TEXT PRIMARY KEY,
    position INTEGER NOT NULL UNIQUE,
    added_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY,
    commit_sha TEXT NOT NULL REFERENCES commits(sha),
    run_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    host TEXT NOT NULL,
    model TEXT NOT NULL,
    model_sha256 TEXT NOT NULL,
    precision TEXT NOT NULL,
    scenario TEXT NOT NULL,
    valid INTEGER NOT NULL,
    p50 REAL NOT NULL, p90 REAL NOT NULL, p95 REAL NOT NULL, p99 REAL NOT NULL,
    mean REAL NOT NULL,
    UNIQUE (run_id, ordinal)
);
CREATE INDEX IF NOT EXISTS results_series ON results (model, precision, scenario);
"""


@dataclass(frozen=True)
class Point:
    """One commit's value of a metric (ms), the median over its results."""

    commit: str
    position: int
    value: float
    results: int


@dataclass(frozen=True)
class SeriesKey:
    model: str
    precision: str
    scenario: str

    def label(self) -> str:
        return f"{self.model} {self.precision} {self.scenario}"


@dataclass(frozen=True)
class Regression:
    """A step of a series: the first commit at the new level and the relative change."""

    key: SeriesKey
    metric: str
    commit: str
    before_ms: float
    after_ms: float
    change: float  # +0.10: 10 % slower


def default_db() -> Path:
    """``$EDGEBENCH_HISTORY_DB``, else ``history.sqlite`` in the user data dir."""
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV])
    return Path(platformdirs.user_data_dir("edgebench")) / "history.sqlite"


@contextmanager
def open_db(path: Path) -> Iterator[sqlite3.Connection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_SCHEMA)
    except sqlite3.DatabaseError as exc:
        raise UsageError(f"{path}: not an edgebench history database ({exc})") from None
    try:
        with conn:  # one transaction: all rows of a report or none
            yield conn
    finally:
        conn.close()


def check_metric(metric: str) -> str:
    if metric not in METRICS:
        raise UsageError(f"--metric {metric!r}: history keeps {', '.join(METRICS)}")
    return metric


def add_report(db: Path, report: Report, commit: str) -> int:
    """Record the successful results of ``report`` under ``commit``; returns how many rows
    were new (adding the same report twice adds nothing)."""
    if not commit.strip():
        raise UsageError("--commit: give the commit SHA the report measured")
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    added = 0
    with open_db(db) as conn:
        known = conn.execute("SELECT 1 FROM commits WHERE sha = ?", (commit,)).fetchone()
        if known is None:
            (top,) = conn.execute("SELECT COALESCE(MAX(position), -1) FROM commits").fetchone()
            conn.execute("INSERT INTO commits VALUES (?, ?, ?)", (commit, top + 1, now))
        for ordinal, r in enumerate(report.results):
            if r.status != "ok" or r.latency_ms is None:
                continue
            lat = r.latency_ms
            cursor = conn.execute(
                "INSERT OR IGNORE INTO results (commit_sha, run_id, ordinal, created_at, host,"
                " model, model_sha256, precision, scenario, valid, p50, p90, p95, p99, mean)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (commit, report.run_id, ordinal, report.created_at, report.host.cpu_model,
                 r.model, r.model_sha256, r.precision, r.scenario, int(r.valid),
                 lat.p50, lat.p90, lat.p95, lat.p99, lat.mean))
            added += cursor.rowcount
    return added


def series_keys(db: Path, model: str | None = None) -> list[SeriesKey]:
    with open_db(db) as conn:
        rows = conn.execute(
            "SELECT DISTINCT model, precision, scenario FROM results"
            " WHERE ? IS NULL OR model = ? ORDER BY 1, 2, 3", (model, model)).fetchall()
    return [SeriesKey(*row) for row in rows]


def series(db: Path, key: SeriesKey, metric: str = "p90") -> list[Point]:
    """One point per commit, in commit order."""
    check_metric(metric)
    with open_db(db) as conn:
        rows = conn.execute(
            f"SELECT c.sha, c.position, r.{metric} FROM results r"  # metric: checked above
            " JOIN commits c ON c.sha = r.commit_sha"
            " WHERE r.model = ? AND r.precision = ? AND r.scenario = ?"
            " ORDER BY c.position, r.id", (key.model, key.precision, key.scenario)).fetchall()
    grouped: dict[str, tuple[int, list[float]]] = {}
    for sha, position, value in rows:
        grouped.setdefault(sha, (position, []))[1].append(value)
    return [Point(sha, pos, statistics.median(vals), len(vals))
            for sha, (pos, vals) in grouped.items()]


def regressions(db: Path, metric: str = "p90", threshold: float = 0.05,
                model: str | None = None) -> list[Regression]:
    """Every step beyond ``threshold`` in every series (both directions; ``change`` > 0 is a
    slowdown), at the first commit of the new level."""
    found = []
    for key in series_keys(db, model):
        points = series(db, key, metric)
        steps: tuple[Step, ...] = find_steps([p.value for p in points], threshold)
        found += [Regression(key, metric, points[s.index].commit, s.before, s.after, s.change)
                  for s in steps]
    return found
