"""``edgebench models ...``: the reference model suite."""

from __future__ import annotations

from pathlib import Path

import click

from bench import zoo
from bench.cli.base import json_option, print_json
from bench.report.table import render_text
from bench.spec import CATEGORIES, parse_dims, parse_shapes
from bench.zoo.builds import build_model
from bench.zoo.inspection import GraphProfile, inspect_file
from bench.zoo.manifests import get_manifest

PRECISIONS = click.Choice(["fp32", "fp16", "int8", "int4"])


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


def _noted(name: str, value: int, profile: GraphProfile) -> str:
    dims = profile.depends_on.get(name)
    return f"{value:,}" + (f"   (depends on {', '.join(dims)})" if dims else "")


def _render(profile: GraphProfile) -> str:
    lines = [f"params      {profile.params:,}",
             f"MACs        {_noted('MACs', profile.macs, profile)}",
             f"FLOPs       {profile.flops:,}", f"opset       {profile.opset}",
             f"file bytes  {profile.file_bytes:,}"]
    lines += [f"MACs {op:<7} {_noted(f'MACs {op}', macs, profile)}"
              for op, macs in profile.macs_by_op.items()]
    lines += [f"input  {t.name} {t.dtype} {list(t.shape)}" for t in profile.inputs]
    lines += [f"output {t.name} {t.dtype} {list(t.shape)}" for t in profile.outputs]
    if profile.defaulted:
        lines.append("batch dims set to 1: " + ", ".join(profile.defaulted))
    if profile.assumed:
        assumed = ", ".join(f"{k}={v}" for k, v in profile.assumed.items())
        lines.append(f"unbound dims, counted at {assumed}; bind them with --dim NAME=SIZE "
                     "or --shape INPUT=D1,D2,...")
    if profile.uncounted:
        lines.append(f"uncounted   {len(profile.uncounted)} nodes whose shapes are unknown")
    return "\n".join(lines)


@models.command("inspect")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dim", "dims", multiple=True, metavar="NAME=SIZE",
              help="Bind a named dynamic dim (repeatable).")
@click.option("--shape", "shapes", multiple=True, metavar="INPUT=D1,D2,...",
              help="Give an input's whole shape (repeatable).")
@click.option("--custom-ops", "custom_ops", multiple=True, metavar="LIB",
              help="A shared library of custom operators the model needs (repeatable).")
@json_option
def models_inspect(file: Path, dims: tuple[str, ...], shapes: tuple[str, ...],
                   custom_ops: tuple[str, ...], as_json: bool) -> None:
    """Params, MACs/FLOPs per op type, opset, inputs and outputs of an ONNX FILE.

    A dynamic batch dim counts as 1; other unbound dims are counted at an example size
    and the counts that depend on them say so.
    """
    profile = inspect_file(file, parse_dims(dims), parse_shapes(shapes), custom_ops)
    if as_json:
        print_json({"file": str(file), **profile.as_dict()})
    else:
        click.echo(_render(profile))
