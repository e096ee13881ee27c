"""``batch.json``: the final batch report, exactly one entry per planned run."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bench.result.models import Record


class BatchRunRecord(Record):
    index: int
    key: str = Field(description="profile/model/precision/scenario/repeat")
    profile: str
    model: str
    precision: str
    scenario: str
    repeat: int
    status: Literal["ok", "failed"]
    cause: str | None = Field(None, description="why a failed run failed: its error, the "
                                                "signal that killed it, or a timeout")
    report: str | None = Field(None, description="the run's report.json, relative to batch.json")
    duration_s: float
    attempts: int = Field(description="times the run was started (more than 1 after a resume)")


class BatchReport(Record):
    plan: str
    plan_digest: str
    created_at: str
    harness_version: str
    total: int
    ok: int
    failed: int
    runs: list[BatchRunRecord]
