"""``edgebench models ...``: the reference model suite."""

from __future__ import annotations

import click

from bench import zoo
from bench.cli.base import json_option, print_json
from bench.report.table import render_text
from bench.spec import CATEGORIES


@click.group()
def models() -> None:
    """The reference model suite."""


@models.command("list")
@click.option("--category", type=click.Choice(CATEGORIES), help="Only this product category.")
@json_option
def models_list(category: str | None, as_json: bool) -> None:
    """List the suite's models."""
    specs = zoo.list_models(category)
    if as_json:
        print_json([s.model_dump(mode="json") for s in specs])
        return
    rows = [(s.name, s.task, ",".join(s.categories), s.size, ",".join(s.precisions))
            for s in specs]
    click.echo(render_text(rows, ("name", "task", "categories", "size", "precisions")))
