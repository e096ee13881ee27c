"""``edgebench models ...``: the reference model suite."""

from __future__ import annotations

from pathlib import Path

import click

from bench import zoo
from bench.cli.base import json_option, print_json
from bench.report.table import render_text
from bench.spec import CATEGORIES
from bench.zoo.builds import build_model
from bench.zoo.inspection import GraphProfile, profile_file
from bench.zoo.manifests import get_manifest

PRECISIONS = click.Choice(["fp32", "fp16", "int8"])


@click.group()
def models() -> None:
    """The reference model suite: list, show, build and inspect models."""


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


@models.command("show")
@click.argument("name")
def models_show(name: str) -> None:
    """Print the manifest of suite model NAME (and where it lives)."""
    spec, path = get_manifest(name)
    click.echo(f"# {path}")
    click.echo(path.read_text(encoding="utf-8").rstrip())


@models.command("build")
@click.argument("name")
@click.option("--precision", type=PRECISIONS, default="fp32", show_default=True,
              help="The variant to build.")
def models_build(name: str, precision: str) -> None:
    """Build suite model NAME into the cache (once); print its path and sha256.

    \b
      edgebench models build mobilenet_v2 --precision int8
    """
    spec, _ = get_manifest(name)
    if spec.size == "large":
        click.echo(f"{name} is a large model: its first build takes minutes and several GB of "
                   "memory; later calls use the cache", err=True)
    built = build_model(name, precision)
    click.echo(f"{built.path}\nsha256 {built.sha256}")
    if built.matches is False:
        click.echo(f"warning: the manifest pins sha256 {built.expected_sha256}; this build "
                   "differs (a non-deterministic builder or other tool versions)", err=True)


def _render(profile: GraphProfile) -> str:
    lines = [f"params      {profile.params:,}", f"MACs        {profile.macs:,}",
             f"FLOPs       {profile.flops:,}", f"opset       {profile.opset}",
             f"file bytes  {profile.file_bytes:,}"]
    lines += [f"MACs {op:<7} {macs:,}" for op, macs in profile.macs_by_op.items()]
    lines += [f"input  {t.name} {t.dtype} {list(t.shape)}" for t in profile.inputs]
    lines += [f"output {t.name} {t.dtype} {list(t.shape)}" for t in profile.outputs]
    return "\n".join(lines)


@models.command("inspect")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dim", "dims", multiple=True, metavar="NAME=SIZE",
              help="Bind a symbolic dim for the MAC count (repeatable; unbound dims are 1).")
@json_option
def models_inspect(file: Path, dims: tuple[str, ...], as_json: bool) -> None:
    """Params, MACs/FLOPs per op type, opset, inputs and outputs of an ONNX FILE."""
    bound = {}
    for item in dims:
        key, _, value = item.partition("=")
        if not value.isdigit():
            raise click.BadParameter(f"{item!r}: expected NAME=SIZE", param_hint="--dim")
        bound[key] = int(value)
    profile = profile_file(file, bound)
    if as_json:
        print_json({"file": str(file), **profile.as_dict()})
    else:
        click.echo(_render(profile))
