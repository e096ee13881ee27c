"""``edgebench certify REPORT.json``: a verdict per criterion, and a certificate file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bench.cli.base import json_option, print_json
from bench.files import check_output
from bench.lab.catalog.certificate import Certificate, write_certificate
from bench.lab.catalog.certificate import certify as certify_report
from bench.report.table import render_text
from bench.result.contract import load_report


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def render_certificate(cert: Certificate) -> str:
    rows = [("PASS" if line.passed else "FAIL", line.label, _number(line.value),
             _number(line.margin) + (f" ({line.margin_pct:+.0f}%)" if line.margin_pct is not None
                                     else ""), line.detail) for line in cert.lines]
    table = render_text(rows, ("", "criterion", "value", "margin", "note"))
    verdict = "PASS" if cert.passed else "FAIL"
    return f"{table}\n\n{cert.device.name}: {verdict} at tier {cert.tier!r} ({cert.criteria})"


@click.command()
@click.argument("report_path", metavar="REPORT.json",
                type=click.Path(path_type=Path, dir_okay=False))
@click.option("--criteria", type=click.Path(path_type=Path, dir_okay=False),
              help="A criteria YAML [devices/criteria/<the report's category>.yaml].")
@click.option("--tier", help="The tier to judge [the criteria's first, lowest, tier].")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="Certificate file [certificate.json beside the report].")
@json_option
def certify(report_path: Path, criteria: Path | None, tier: str | None, out: Path | None,
            as_json: bool) -> None:
    """Judge REPORT.json against certification criteria: a verdict and margin per criterion,
    an overall pass or fail (exit 1), and a certificate file."""
    target = out or report_path.with_name("certificate.json")
    check_output(target, "--out", 64 << 10)
    cert = certify_report(load_report(report_path), criteria, tier)
    path = write_certificate(cert, target)
    if as_json:
        print_json({"certificate": str(path), **cert.model_dump(mode="json")})
    else:
        click.echo(f"{render_certificate(cert)}\ncertificate: {path}")
    if not cert.passed:
        sys.exit(1)
