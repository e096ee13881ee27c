"""Every writer against committed golden files rendered from tests/golden/report.json.

Regenerate after an intended change: EDGEBENCH_UPDATE_GOLDEN=1 python -m pytest
tests/test_report_writers.py (and read the diff before committing it).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bench.report import get_writer, list_writers, write_report
from bench.result.contract import load_report

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("EDGEBENCH_UPDATE_GOLDEN") == "1"
_SVG = re.compile(r"<svg.*?</svg>", re.S)


@pytest.fixture(scope="module")
def report():
    return load_report(GOLDEN / "report.json")


def _comparable(name: str, data: bytes) -> str:
    text = data.decode()
    if name == "html":  # matplotlib's SVG paths vary across its versions; pin the page
        text = _SVG.sub("<svg>(plot)</svg>", text)
    return text


@pytest.mark.parametrize("name", [n for n in list_writers() if n != "json"])
def test_writer_matches_its_golden_file(report, name: str) -> None:
    writer = get_writer(name)
    path = GOLDEN / f"expected.{writer.filename}"
    rendered = _comparable(name, writer.render(report))
    if UPDATE:
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")


def test_json_writer_round_trips_the_golden_report_byte_for_byte(report) -> None:
    assert get_writer("json").render(report) == (GOLDEN / "report.json").read_bytes()


def test_csv_has_one_row_per_result(report) -> None:
    rows = list(csv.DictReader(io.StringIO(get_writer("csv").render(report).decode())))
    assert [r["model"] for r in rows] == [r.model for r in report.results]
    assert rows[0]["latency_p90_ms"] == repr(report.results[0].latency_ms.p90)
    assert rows[-1]["status"] == "failed" and rows[-1]["latency_p90_ms"] == ""


def test_junit_invalid_and_failed_results_are_failures(report) -> None:
    root = ET.fromstring(get_writer("junit").render(report))
    cases = root.findall(".//testcase")
    assert len(cases) == len(report.results)
    failed = {c.get("name"): c.find("failure").get("type") for c in cases
              if c.find("failure") is not None}
    assert failed == {"tiny_text[fp32]": "invalid",
                      "broken<script>alert(1)</script>[fp32]": "run-failed"}
    assert root.get("failures") == "2"


def test_pytest_benchmark_stats_equal_pytest_benchmarks_own(report) -> None:
    from pytest_benchmark.stats import Stats

    document = json.loads(get_writer("pytest-benchmark").render(report))
    assert len(document["benchmarks"]) == 3  # the failed result has no samples
    for bench, result in zip(document["benchmarks"], report.results):
        theirs = Stats()
        for value in result.samples_ns:
            theirs.update(value / 1e9)
        for field in Stats.fields:
            assert bench["stats"][field] == pytest.approx(getattr(theirs, field)), field


def test_pytest_benchmark_compare_reads_our_file(report, tmp_path: Path) -> None:
    write_report(report, tmp_path, ["pytest-benchmark"])
    done = subprocess.run(
        [sys.executable, "-c", "from pytest_benchmark.cli import main; main()", "compare",
         str(tmp_path / "report.pytest-benchmark.json")],
        capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "tiny_cnn[fp32-single-stream]" in done.stdout
    assert "Failed to load" not in done.stdout + done.stderr


def test_html_escapes_markup_and_inlines_three_plots_per_measured_result(report) -> None:
    page = get_writer("html").render(report).decode()
    assert "<script>" not in page
    assert "broken&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<svg") == 3 * 3  # histogram, CDF, throughput over time
    assert "http://" not in _SVG.sub("", page) and "https://" not in _SVG.sub("", page)


def test_a_result_whose_queries_overlapped_gets_no_throughput_over_time_plot(report) -> None:
    # the plot rebuilds the timeline as the running sum of latencies: only true back to back
    first, *rest = report.results
    overlapped = report.model_copy(update={
        "results": [first.model_copy(update={"back_to_back": False}), *rest]})
    page = get_writer("html").render(overlapped).decode()
    assert page.count("<svg") == 3 * 3 - 1
    assert page.count("throughput over time (") == 2
    assert get_writer("html").render(report).decode().count("throughput over time (") == 3
