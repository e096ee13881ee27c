"""``edgebench env`` and ``edgebench schema``: facts about this host and the contract."""

from __future__ import annotations

import click

from bench.cli.base import json_option, print_json
from bench.device import host
from bench.result.models import schema_text


@click.command()
@json_option
def env(as_json: bool) -> None:
    """Show the host fingerprint every report records."""
    info = host.fingerprint()
    if as_json:
        print_json(info.model_dump(mode="json"))
        return
    for key, value in info.model_dump().items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        if key == "memory_bytes":
            shown = f"{value / 2**30:.1f} GiB ({value} bytes)"
        click.echo(f"{key:15} {shown}")


@click.command()
def schema() -> None:
    """Print the JSON Schema of report.json (committed at reports/schema/)."""
    click.echo(schema_text(), nl=False)
