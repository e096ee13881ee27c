"""Results per commit, in their own SQLite file (``bench.db``), for trend and step detection.

One row per result of a report, keyed by the commit it measured. Commits are ordered by when
they were first added (CI adds them in the order it builds them); a commit measured twice
contributes the median of its results. Only the summary metrics are kept, not the samples:
the report files are the record, this is an index over them.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import platformdirs

from bench import db
from bench.errors import UsageError
from bench.measure.progress import SilentTasks, Tasks
from bench.result.models import Report
from bench.stats.changepoints import Step, find_steps

METRICS = ("p50", "p90", "p95", "p99", "mean")
DB_ENV = "EDGEBENCH_HISTORY_DB"
PARALLEL_SERIES = 3  # fit in parallel only more series than this,
PARALLEL_POINTS = 20_000  # with more points than this in all: a process costs ~0.5 s

SCHEMA = db.Schema("history", 0x45424849, ("commits", "results"), (
    # 1: the history of edgebench before its files had versions
    ("CREATE TABLE IF NOT EXISTS commits (sha TEXT PRIMARY KEY,"
     " position INTEGER NOT NULL UNIQUE, added_at TEXT NOT NULL)",
     "CREATE TABLE IF NOT EXISTS results (id INTEGER PRIMARY KEY,"
     " commit_sha TEXT NOT NULL REFERENCES commits(sha), run_id TEXT NOT NULL,"
     " ordinal INTEGER NOT NULL, created_at TEXT NOT NULL, host TEXT NOT NULL,"
     " model TEXT NOT NULL, model_sha256 TEXT NOT NULL, precision TEXT NOT NULL,"
     " scenario TEXT NOT NULL, valid INTEGER NOT NULL, p50 REAL NOT NULL, p90 REAL NOT NULL,"
     " p95 REAL NOT NULL, p99 REAL NOT NULL, mean REAL NOT NULL, UNIQUE (run_id, ordinal))",
     "CREATE INDEX IF NOT EXISTS results_series ON results (model, precision, scenario)"),
))
# An index over report files (add them again to rebuild it): in WAL mode NORMAL never
# corrupts it, and a power cut loses at most the last commits' rows.
PRAGMAS = db.Pragmas(synchronous="NORMAL", busy_timeout_s=30.0)


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
    conn = db.connect(path, SCHEMA, PRAGMAS, label="--db")
    try:
        yield conn
    finally:
        conn.close()


def check_metric(metric: str) -> str:
    if metric not in METRICS:
        raise UsageError(f"--metric {metric!r}: history keeps {', '.join(METRICS)}")
    return metric


def add_report(path: Path, report: Report, commit: str) -> int:
    """Record the successful results of ``report`` under ``commit``; returns how many rows
    were new (adding the same report twice adds nothing)."""
    if not commit.strip():
        raise UsageError("--commit: give the commit SHA the report measured")
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    added = 0
    with open_db(path) as conn, db.transaction(conn):  # all rows of a report or none
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


def series_keys(path: Path, model: str | None = None) -> list[SeriesKey]:
    with open_db(path) as conn:
        rows = conn.execute(
            "SELECT DISTINCT model, precision, scenario FROM results"
            " WHERE ? IS NULL OR model = ? ORDER BY 1, 2, 3", (model, model)).fetchall()
    return [SeriesKey(*row) for row in rows]


def _points(rows: Iterable[tuple[str, int, float]]) -> list[Point]:
    """One point per commit from (sha, position, value) rows in commit order."""
    points = []
    for (sha, position), group in itertools.groupby(rows, key=lambda row: row[:2]):
        values = [row[2] for row in group]
        value = values[0] if len(values) == 1 else statistics.median(values)
        points.append(Point(sha, position, value, len(values)))
    return points


def series(path: Path, key: SeriesKey, metric: str = "p90") -> list[Point]:
    """One point per commit, in commit order."""
    check_metric(metric)
    with open_db(path) as conn:
        rows = conn.execute(
            f"SELECT c.sha, c.position, r.{metric} FROM results r"  # metric: checked above
            " JOIN commits c ON c.sha = r.commit_sha"
            " WHERE r.model = ? AND r.precision = ? AND r.scenario = ?"
            " ORDER BY c.position, r.id", (key.model, key.precision, key.scenario)).fetchall()
    return _points(rows)


def all_series(path: Path, metric: str = "p90",
               model: str | None = None) -> dict[SeriesKey, list[Point]]:
    """Every series (or MODEL's), read in one pass over the results."""
    check_metric(metric)
    with open_db(path) as conn:
        rows = conn.execute(
            f"SELECT r.model, r.precision, r.scenario, c.sha, c.position, r.{metric}"
            " FROM results r JOIN commits c ON c.sha = r.commit_sha"
            " WHERE ? IS NULL OR r.model = ?"
            " ORDER BY r.model, r.precision, r.scenario, c.position, r.id", (model, model))
        return {SeriesKey(*key): _points(row[3:] for row in group)
                for key, group in itertools.groupby(rows, key=lambda row: row[:3])}


def regressions(path: Path, metric: str = "p90", threshold: float = 0.05,
                model: str | None = None, progress: Tasks | None = None,
                jobs: int | None = None) -> list[Regression]:
    """Every step beyond ``threshold`` in every series (both directions; ``change`` > 0 is a
    slowdown), at the first commit of the new level. Series are fitted in ``jobs``
    processes; by default one per core when there are more than ``PARALLEL_SERIES`` of
    more than ``PARALLEL_POINTS`` points in all, else here. ``progress`` hears of each
    series as it is done."""
    data = list(all_series(path, metric, model).items())
    progress = progress or SilentTasks()
    points = sum(len(p) for _, p in data)
    if jobs is None:  # on its own, only when the work outweighs starting processes
        many = len(data) > PARALLEL_SERIES and points > PARALLEL_POINTS
        jobs = available_cores() if many else 1
    workers = max(1, min(jobs, len(data)))
    progress.start(len(data), f"history: {len(data)} series, {points:,} points"
                   + (f", {workers} processes" if workers > 1 else ""))
    found: dict[SeriesKey, list[Regression]] = {}
    commits = {key: [p.commit for p in line] for key, line in data}
    for key, steps, seconds in _fit_all(data, threshold, workers, progress):
        found[key] = [Regression(key, metric, commits[key][s.index], s.before, s.after,
                                 s.change) for s in steps]
        progress.end(key.label(), None, seconds)
    progress.finish()
    return [r for key, _ in data for r in found[key]]


def available_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _fit(values: list[float], threshold: float) -> tuple[tuple[Step, ...], float]:
    start = time.perf_counter()
    steps = find_steps(values, threshold)
    return steps, time.perf_counter() - start


def _fit_all(data: list[tuple[SeriesKey, list[Point]]], threshold: float, workers: int,
             progress: Tasks) -> Iterator[tuple[SeriesKey, tuple[Step, ...], float]]:
    """(key, steps, seconds) per series, in the order they finish."""
    if workers == 1:
        for key, points in data:
            progress.begin(key.label())
            yield (key, *_fit([p.value for p in points], threshold))
        return
    # fork where the platform forks well: a spawned worker would import the whole command
    # line again (its __main__), which costs more than a fit; elsewhere the default
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(_fit, [p.value for p in points], threshold): key
                   for key, points in data}
        for future in as_completed(futures):
            yield (futures[future], *future.result())
