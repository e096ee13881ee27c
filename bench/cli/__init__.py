"""The ``edgebench`` command: parse, call one library function, render. No logic here.

Exit codes: 0 success; 1 a run failed (or another ``EdgebenchError``); 2 bad input.
One module per command or command group; this one assembles them.
"""

from __future__ import annotations

import click

from bench._version import __version__
from bench.cli.base import EdgebenchGroup

# Each command's module is imported when the command is used (see EdgebenchGroup).
COMMANDS = {
    "env": "bench.cli.env:env", "schema": "bench.cli.env:schema",
    "models": "bench.cli.models:models", "devices": "bench.cli.devices:devices",
    "run": "bench.cli.run:run", "report": "bench.cli.report:report",
    "compare": "bench.cli.compare:compare", "score": "bench.cli.score:score",
    "history": "bench.cli.history:history", "ab": "bench.cli.ab:ab",
    "doctor": "bench.cli.doctor:doctor",
    # the certification lab's commands (issue 7)
    "batch": "bench.cli.batch:batch", "keys": "bench.cli.signing:keys",
    "sign": "bench.cli.signing:sign", "verify": "bench.cli.signing:verify",
    "certify": "bench.cli.certify:certify", "catalog": "bench.cli.catalog:catalog",
    # device fleets through Ray (issue 9)
    "fleet": "bench.cli.fleet:fleet",
}


@click.group(cls=EdgebenchGroup, lazy=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
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


main = cli
