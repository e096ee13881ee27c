"""The report contract: the committed schema is the generated one."""

from __future__ import annotations

import json

from bench.resources import data_dir
from bench.result.models import report_schema


def test_committed_schema_equals_generated() -> None:
    committed = json.loads((data_dir("reports") / "schema" / "report.schema.json").read_text())
    assert committed == report_schema(), (
        "reports/schema/report.schema.json is stale: regenerate it with "
        "'edgebench schema > reports/schema/report.schema.json'")
