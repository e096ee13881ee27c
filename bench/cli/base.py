"""What every command shares: the group that maps errors to exit codes, JSON output."""

from __future__ import annotations

import importlib
import json
import traceback
from collections.abc import Mapping
from typing import Any

import click

from bench._version import __version__
from bench.errors import EdgebenchError

BUG = ("error: this is a bug in edgebench {version}, not a problem with your input; "
       "please report it with the traceback above")


class EdgebenchGroup(click.Group):
    """Maps the library's one error tree to exit codes, in this one place: the message on
    stderr in one or two lines, exit 2 for bad input, 1 otherwise; never a traceback for
    an error edgebench raises on purpose. Anything else is a bug: its traceback, one line
    asking to report it, exit 1.

    ``lazy`` maps a command name to ``"module:attribute"``, imported only when that command
    is looked up (Click's documented pattern for lazily loaded subcommands): a command does
    not pay for the imports of the others (the report writers, the lab, the model zoo), and
    ``--help`` of the group imports each to show its line."""

    def __init__(self, *args: Any, lazy: Mapping[str, str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

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
        except (click.exceptions.Exit, click.Abort, click.ClickException):
            raise
        except Exception:
            traceback.print_exc()
            click.echo(BUG.format(version=__version__), err=True)
            ctx.exit(1)


def print_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2))


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
