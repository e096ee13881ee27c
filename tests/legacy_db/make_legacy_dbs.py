"""Writes the three SQLite files of ``tests/legacy_db/`` with edgebench as it was before its
databases had schema versions (commit 0e5ab4d, ``PRAGMA user_version`` 0):

    git archive 0e5ab4d | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old python tests/legacy_db/make_legacy_dbs.py tests/legacy_db

``tests/test_db.py`` opens copies of them with today's code: they must migrate and keep
their rows. Do not regenerate them with a newer edgebench; that would test nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import bench
from bench.ci.history import add_report
from bench.lab.batch.journal import Journal, JournalEntry
from bench.lab.catalog.store import Catalog
from bench.result.models import DeviceInfo
from bench.spec import RunSettings


def main(folder: Path) -> None:
    report = bench.run(["tiny_mlp"], device="host",
                       settings=RunSettings(duration_s=0.01, min_queries=3, warmup=1))
    for i, sha in enumerate(["a" * 40, "b" * 40, "c" * 40]):
        add_report(folder / "history.sqlite",
                   report.model_copy(update={"run_id": f"legacy-{i}"}), sha)
    with Catalog.open(folder / "catalog.sqlite") as catalog:
        for i, name in enumerate(["board-a", "board-b"]):
            catalog.add(report.model_copy(update={
                "run_id": f"legacy-{i}",
                "device": DeviceInfo(name=name, category="pc", profile="built-in")}))
    journal = Journal.create(folder / "batch", "ab" * 32)
    journal.record_attempt("host/tiny_mlp/fp32/single-stream/1", 1_000)
    journal.record_result(JournalEntry("host/tiny_mlp/fp32/single-stream/1", "ok", None,
                                       "runs/001/report.json", 1_000, 2_000, 1.5))
    journal.close()
    (folder / "batch" / "journal.sqlite").rename(folder / "journal.sqlite")
    (folder / "batch").rmdir()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
