"""``edgebench devices ...``: device profiles."""

from __future__ import annotations

import click

from bench import profiles
from bench.cli.base import json_option, print_json
from bench.report.table import render_text


@click.group()
def devices() -> None:
    """Device profiles: how a kind of device is benchmarked."""


@devices.command("list")
@json_option
def devices_list(as_json: bool) -> None:
    """List the built-in device profiles."""
    found = profiles.list_profiles()
    if as_json:
        print_json([p.model_dump(mode="json") for p in found])
        return
    rows = [(p.name, p.category, str(len(p.workloads)), str(len(p.quick_workloads())),
             p.description) for p in found]
    click.echo(render_text(rows, ("name", "category", "workloads", "quick", "description")))
