"""The ``edgebench`` command: parse, call one library function, render. No logic here.

Exit codes: 0 success; 1 a run failed (or another ``EdgebenchError``); 2 bad input.
One module per command or command group; this one assembles them.
"""

from __future__ import annotations

import click

from bench._version import __version__
from bench.cli.ab import ab
from bench.cli.base import EdgebenchGroup
from bench.cli.batch import batch
from bench.cli.catalog import catalog
from bench.cli.certify import certify
from bench.cli.compare import compare
from bench.cli.devices import devices
from bench.cli.doctor import doctor
from bench.cli.env import env, schema
from bench.cli.fleet import fleet
from bench.cli.history import history
from bench.cli.models import models
from bench.cli.report import report
from bench.cli.run import run
from bench.cli.score import score
from bench.cli.signing import keys, sign, verify


@click.group(cls=EdgebenchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="edgebench")
def cli() -> None:
    """Benchmark ONNX models on this device and write comparable reports.

    \b
    Start here:
      edgebench run                  the quick suite of the profile that fits this host
      edgebench run model.onnx --shape x=1,3,224,224
      edgebench env                  what this machine is, as reports record it
      edgebench report R.json --format html -o report.html
      edgebench compare BASE.json NEW.json --fail-on-regression
    """


for command in (env, schema, models, devices, run, report, compare, score, history, ab,
                doctor):
    cli.add_command(command)

# The certification lab's commands (issue 7).
for command in (batch, keys, sign, verify, certify, catalog):
    cli.add_command(command)

# Device fleets through Ray (issue 9).
cli.add_command(fleet)

main = cli
