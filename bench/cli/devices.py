"""``edgebench devices ...``: device profiles."""

from __future__ import annotations

from pathlib import Path

import click
import yaml

from bench.cli.base import json_option, print_json
from bench.device import host
from bench.device.detect import render_profile, starter_profile
from bench.errors import SpecError, UsageError
from bench.files import check_output, write_atomic
from bench.report.table import render_text
from bench.spec import DeviceProfile, profiles
from bench.spec.base import parse_yaml


@click.group()
def devices() -> None:
    """Device profiles: how a kind of device is benchmarked.

    \b
    A profile (devices/<name>.yaml) names execution providers with options and a fallback
    rule, threads, cores, a memory limit, workloads, collectors and criteria; 'extends:'
    takes another profile's fields.
    """


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


@devices.command("show")
@click.argument("ref", metavar="NAME|FILE")
@json_option
def devices_show(ref: str, as_json: bool) -> None:
    """Show a profile fully resolved ('extends' applied, defaults filled in)."""
    profile, origin = profiles.load_profile(ref)
    data = profile.model_dump(mode="json", exclude_none=True)
    for workload in data["workloads"]:
        workload["settings"] = {k: v for k, v in workload["settings"].items() if v != {}}
    if as_json:
        print_json({"origin": origin, **data})
        return
    click.echo(f"# {profile.name} ({origin})")
    click.echo(yaml.safe_dump(data, sort_keys=False, default_flow_style=None), nl=False)


@devices.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def devices_validate(files: tuple[Path, ...]) -> None:
    """Check profile FILEs: schema, extends, and that every workload's model exists.

    Reports every error in every file; exit 2 when there is any.
    """
    errors = profiles.validate_files(list(files))
    if errors:
        raise SpecError("\n".join(errors))
    click.echo(f"{len(files)} profile(s) valid")


@devices.command("detect")
@click.option("--write", "target", type=click.Path(path_type=Path),
              help="Write the starter profile to FILE (refuses to overwrite).")
@click.option("--name", default="my-host", show_default=True, help="The profile's name.")
def devices_detect(target: Path | None, name: str) -> None:
    """Detect this host and print (or --write) a starter profile for it."""
    text = render_profile(starter_profile(host.fingerprint(), name))
    DeviceProfile.model_validate(parse_yaml(text, "the starter profile"))
    if target is None:
        click.echo(text, nl=False)
        return
    if target.exists():
        raise UsageError(f"--write {target}: exists; choose another file or remove it")
    check_output(target, "--write", 16 << 10)
    write_atomic(target, text.encode())
    click.echo(f"wrote {target}")
