"""What every command shares: the group that maps errors to exit codes, JSON output."""

from __future__ import annotations

import json
from typing import Any

import click

from bench.errors import EdgebenchError


class EdgebenchGroup(click.Group):
    """Maps the library's one error tree to exit codes, in this one place: the message on
    stderr in one or two lines, exit 2 for bad input, 1 otherwise; never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EdgebenchError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except click.UsageError as exc:  # a bad flag of a subcommand: one line, not four
            where = exc.ctx.command_path if exc.ctx else ctx.command_path
            click.echo(f"error: {exc.format_message()} (see '{where} --help')", err=True)
            ctx.exit(exc.exit_code)


def print_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2))


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
