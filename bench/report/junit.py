"""``report.junit.xml``: one test case per result, so CI systems show results as tests.

An invalid result is a ``<failure>`` (its reasons are the message); a run that failed is a
failure too, of type ``run-failed``, with the runtime's error. The latency summary goes into
the test case's ``<properties>`` and ``<system-out>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from bench.report.registry import register_writer
from bench.result.models import Report, RunResult


def _case(suite: ET.Element, report: Report, r: RunResult) -> bool:
    case = ET.SubElement(suite, "testcase", {
        "classname": f"edgebench.{report.device.name}.{r.scenario}",
        "name": f"{r.model}[{r.precision}]",
        "time": f"{r.duration_s:.6f}",
    })
    props = ET.SubElement(case, "properties")
    values: dict[str, str] = {"model_sha256": r.model_sha256, "provider": r.provider,
                              "queries": str(r.queries)}
    if r.latency_ms:
        values |= {f"latency_{k}_ms": repr(v) for k, v in r.latency_ms.model_dump().items()}
    if r.throughput_per_s is not None:
        values["throughput_per_s"] = repr(r.throughput_per_s)
    for name, value in values.items():
        ET.SubElement(props, "property", {"name": name, "value": value})
    if r.status == "failed":
        failure = ET.SubElement(case, "failure", {"type": "run-failed",
                                                  "message": r.error or "the run failed"})
        failure.text = r.error or ""
    elif not r.valid:
        failure = ET.SubElement(case, "failure", {"type": "invalid",
                                                  "message": "; ".join(r.invalid_reasons)})
        failure.text = "\n".join(r.invalid_reasons)
    if r.latency_ms:
        lat = r.latency_ms
        out = ET.SubElement(case, "system-out")
        out.text = (f"p50 {lat.p50:.3f} ms, p90 {lat.p90:.3f} ms, p99 {lat.p99:.3f} ms over "
                    f"{r.queries} queries ({r.ended_by})")
    return r.status == "failed" or not r.valid


@register_writer("junit", "report.junit.xml")
def render_junit(report: Report) -> bytes:
    root = ET.Element("testsuites", {"name": "edgebench"})
    suite = ET.SubElement(root, "testsuite", {
        "name": f"edgebench {report.device.name}",
        "tests": str(len(report.results)),
        "errors": "0",
        "skipped": "0",
        "timestamp": report.created_at,
        "time": f"{sum(r.duration_s for r in report.results):.6f}",
    })
    props = ET.SubElement(suite, "properties")
    for name, value in (("run_id", report.run_id), ("device", report.device.name),
                        ("cpu_model", report.host.cpu_model),
                        ("onnxruntime", report.host.onnxruntime),
                        ("content_hash", report.content_hash or "")):
        ET.SubElement(props, "property", {"name": name, "value": value})
    failures = sum(_case(suite, report, r) for r in report.results)
    suite.set("failures", str(failures))
    root.set("tests", str(len(report.results)))
    root.set("failures", str(failures))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
