"""``edgebench ab``: baseline and candidate run alternately in one job, then compared."""

from __future__ import annotations

import sys

import click

from bench.ci.ab import command_sampler, interleave
from bench.cli.base import json_option, print_json
from bench.report.table import render_text
from bench.result.compare import check_metric, parse_threshold


@click.command()
@click.option("--base-cmd", required=True, metavar="CMD",
              help="Baseline: an 'edgebench run MODEL ... --json' command line.")
@click.option("--candidate-cmd", required=True, metavar="CMD",
              help="Candidate: the same, from the build under test.")
@click.option("--rounds", type=click.IntRange(min=1), default=5, show_default=True,
              help="Runs of each side, alternating AB BA AB ...")
@click.option("--metric", default="p90", show_default=True,
              help="p50, p90, p95, p99 (any pNN), median or mean.")
@click.option("--threshold", default="5%", show_default=True,
              help="Smallest change that counts, e.g. 5% or 0.05.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the bootstrap.")
@click.option("--fail-on-regression", is_flag=True, help="Exit 1 when the candidate regressed.")
@json_option
def ab(base_cmd: str, candidate_cmd: str, rounds: int, metric: str, threshold: str, seed: int,
       fail_on_regression: bool, as_json: bool) -> None:
    """Interleaved A/B on this machine: run BASE and CANDIDATE in turns and classify with
    the rounds as units (a Welch interval of CANDIDATE/BASE over the rounds' values).

    \b
    Both sides see the same runner and the same drift, so a different CI machine cannot
    fake a regression. Each command measures one model, e.g.
      edgebench ab --base-cmd "base/.venv/bin/edgebench run tiny_cnn --duration 5 --json" \\
                   --candidate-cmd ".venv/bin/edgebench run tiny_cnn --duration 5 --json"
    """
    outcome = interleave(command_sampler(base_cmd), command_sampler(candidate_cmd), rounds,
                         check_metric(metric), parse_threshold(threshold), seed)
    v = outcome.verdict
    if as_json:
        print_json({"verdict": vars(v), "runs": [vars(r) for r in outcome.runs],
                    "spread": {side: outcome.spread(side) for side in ("base", "candidate")}})
    else:
        click.echo(render_text([(r.side, str(r.queries), f"{r.metric_ms:.4f}")
                                for r in outcome.runs], ("run", "queries", f"{metric} ms")))
        click.echo(f"\n{v.kind}: candidate/base {metric} = {v.ratio:.3f} (95% CI "
                   f"{v.ci_low:.3f}-{v.ci_high:.3f}; threshold {v.threshold:.0%}; "
                   f"{v.n_base} vs {v.n_new} {v.units})")
        click.echo(f"run-to-run spread of {metric}: base {outcome.spread('base'):.0%}, "
                   f"candidate {outcome.spread('candidate'):.0%}")
    if fail_on_regression and outcome.regressed:
        sys.exit(1)
