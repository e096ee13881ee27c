"""``edgebench catalog ...``: the certification catalog (SQLite) and its static site."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import click

from bench.cli.base import json_option, print_json
from bench.files import check_output, file_size, writing
from bench.lab.catalog import signing
from bench.lab.catalog.site import write_catalog_site
from bench.lab.catalog.store import Catalog, Summary, default_path
from bench.report.escape import csv_cell
from bench.report.table import render_text
from bench.result.contract import load_report
from bench.spec import CATEGORIES

_SUMMARY = ("id", "device", "category", "precisions", "tier", "passed", "signed_by", "run_id",
            "added_at", "report_sha256")


def _summary(entry: Summary) -> dict[str, object]:
    return {"id": entry.id, "device": entry.device, "category": entry.category,
            "precisions": ",".join(entry.precisions), "tier": entry.tier,
            "passed": entry.passed, "signed_by": entry.signed_by, "run_id": entry.run_id,
            "added_at": entry.added_at, "report_sha256": entry.report_sha256}


def _open(ctx: click.Context, writes: int = 0) -> Catalog:
    """The catalog; ``writes``: about what the command adds to it (checked first)."""
    if writes:
        check_output(ctx.obj or default_path(), "--catalog", writes, in_place=True)
    return Catalog.open(ctx.obj)


@click.group()
@click.option("--catalog", "path", type=click.Path(path_type=Path, dir_okay=False),
              envvar="EDGEBENCH_CATALOG",
              help="The catalog database [$EDGEBENCH_CATALOG, else catalog.sqlite in the "
                   "user data folder]; created when missing, in an existing folder.")
@click.pass_context
def catalog(ctx: click.Context, path: Path | None) -> None:
    """The certification catalog: certified reports, their verdicts, a static site."""
    ctx.obj = path


@catalog.command("require-signatures")
@click.option("--pubkey", type=click.Path(path_type=Path, dir_okay=False), multiple=True,
              required=True, help="A trusted public key (PEM); repeat for several.")
@click.pass_context
def require_signatures(ctx: click.Context, pubkey: tuple[Path, ...]) -> None:
    """Accept only reports signed by a trusted key from now on."""
    for path in pubkey:  # every key is read before the catalog is opened (or made)
        signing.load_public_key(path)
    with _open(ctx, 64 << 10) as cat, writing("--catalog", cat.path):
        for fingerprint in cat.require_signatures(list(pubkey)):
            click.echo(f"trusted key {fingerprint}")


@catalog.command("add")
@click.argument("reports", metavar="REPORT.json...", nargs=-1, required=True,
                type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
def add(ctx: click.Context, reports: tuple[Path, ...]) -> None:
    """Add reports: validate, verify the signature (when required), judge, store. All are
    added in one transaction, or none when one is refused (a report already in the
    catalog, say)."""
    first = load_report(reports[0])  # a bad report makes no catalog
    with _open(ctx, 2 * sum(file_size(p) for p in reports) + (64 << 10)) as cat, \
            writing("--catalog", cat.path):
        added = cat.add_all((first if i == 0 else load_report(path), str(path))
                            for i, path in enumerate(reports))
    for path, entry in zip(reports, added):
        verdict = f"pass at tier {entry.tier}" if entry.passed else "fail"
        click.echo(f"added {path} as entry {entry.id}: {entry.device}, {verdict}")


@catalog.command("list")
@click.option("--category", type=click.Choice(CATEGORIES), help="Only this category.")
@click.option("--tier", help="Only entries certified at this tier.")
@json_option
@click.pass_context
def list_(ctx: click.Context, category: str | None, tier: str | None, as_json: bool) -> None:
    """List catalog entries."""
    with _open(ctx) as cat:
        rows = [_summary(e) for e in cat.summaries(category, tier)]
    if as_json:
        print_json(rows)
        return
    click.echo(render_text([tuple(str(r[k]) for k in _SUMMARY[:8]) for r in rows],
                           _SUMMARY[:8]))


@catalog.command("show")
@click.argument("entry_id", metavar="ID", type=int)
@click.pass_context
def show(ctx: click.Context, entry_id: int) -> None:
    """Print one entry: its summary, report (without samples) and certificate, as JSON."""
    with _open(ctx) as cat:
        entry = cat.get(entry_id)
    report = entry.report.model_dump(mode="json", exclude={
        "results": {"__all__": {"samples_ns", "warmup_samples_ns"}}})
    print_json({**_summary(entry), "report": report,
                "certificate": entry.certificate.model_dump(mode="json")})


@catalog.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.pass_context
def export(ctx: click.Context, fmt: str) -> None:
    """Print every entry: CSV (one summary row each; a cell a spreadsheet would run as a
    formula starts with ') or JSON (with report and certificate)."""
    with _open(ctx) as cat:
        if fmt == "json":
            click.echo(json.dumps([{**_summary(e), "report": e.report.model_dump(mode="json"),
                                    "certificate": e.certificate.model_dump(mode="json")}
                                   for e in cat.stream()], indent=2))
            return
        summaries = cat.summaries()  # no report parsed
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_SUMMARY, lineterminator=os.linesep)
    writer.writeheader()
    writer.writerows({k: csv_cell(v) for k, v in _summary(e).items()} for e in summaries)
    click.echo(buffer.getvalue(), nl=False)


@catalog.command("site")
@click.argument("out_dir", metavar="DIR", type=click.Path(path_type=Path, file_okay=False))
@click.pass_context
def site(ctx: click.Context, out_dir: Path) -> None:
    """Write a static website: a leaderboard per category and precision, a page per entry."""
    path = ctx.obj or default_path()
    check_output(out_dir, "DIR", file_size(path) + (256 << 10), folder=True)
    index = write_catalog_site(path, out_dir)
    click.echo(f"site: {index}")
